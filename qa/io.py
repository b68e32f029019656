"""Output files are written atomically: to a temporary file beside the target, then renamed."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO

from qa.errors import QAError


def _apply_umask(fd: int) -> None:
    """mkstemp creates 0600 files; give the output the permissions a plain open() would."""
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o666 & ~mask)


@contextlib.contextmanager
def atomic_output(path: str | None, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
                  ) -> Iterator[IO]:
    """Yield a file to write; on success it replaces ``path`` at once, on error nothing is left.

    ``None`` or ``"-"`` writes to standard output.
    """
    if path in (None, "-"):
        if "b" in mode:
            yield sys.stdout.buffer
        else:
            yield sys.stdout
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(directory):
        raise QAError("output directory does not exist", path=path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".qa-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise QAError(f"cannot write here: {exc.strerror}", path=path) from None
    _apply_umask(fd)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                       newline=newline if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise QAError(f"writing failed: {exc.strerror or exc}", path=path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

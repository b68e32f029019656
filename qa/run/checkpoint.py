"""Checkpoints that let a killed ``qa score -o OUT`` run resume without losing or repeating a conversation.

While a resumable run writes ``OUT``, the results go to ``OUT.partial`` (appended), rejects to
``REJECTS.partial``, and a sidecar ``OUT.checkpoint.json`` records, after each committed batch:

- ``records``: how many input records (accepted or rejected, in input order) are fully handled;
- ``out_bytes`` / ``rejects_bytes``: how long the two partial files were at that moment;
- the tallies of the run so far, the input fingerprint (path, size, mtime, hash of the first MB of every
  input) and the rubric hash (plus rule selection).

A commit fsyncs the partial files first, then writes the sidecar to a temporary file, fsyncs it and
renames it over the old one, so the sidecar never describes data that is not on disk. ``--resume``
checks the fingerprint and rubric, truncates both partial files back to the committed lengths (dropping
anything written after the last commit) and skips the committed records; the finished run renames
``OUT.partial`` to ``OUT`` and removes the sidecar.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from qa.errors import QAError

VERSION = 1
HEAD_BYTES = 1 << 20


class ResumeError(QAError):
    """A checkpoint cannot be used for this run."""


def fingerprint(paths: list[str]) -> list[dict[str, Any]]:
    """What identifies the inputs: path, size, modification time and a hash of the first MB of each file."""
    out = []
    for p in paths:
        if os.path.isdir(p):  # a directory a reader expands: every file in it, by size and time
            files = sorted((os.path.relpath(os.path.join(d, f), p), os.stat(os.path.join(d, f)))
                           for d, _, names in os.walk(p) for f in names)
            out.append({"path": os.path.abspath(p), "files": [[n, st.st_size, st.st_mtime_ns] for n, st in files]})
            continue
        try:
            st = os.stat(p)
            with open(p, "rb") as fh:
                head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()[:16]
        except OSError as exc:
            raise QAError(f"cannot read input: {exc.strerror}", path=p) from None
        out.append({"path": os.path.abspath(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "head": head})
    return out


def partial_path(path: str) -> str:
    return path + ".partial"


def sidecar_path(output: str) -> str:
    return output + ".checkpoint.json"


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class Checkpoint:
    output: str
    rejects: str | None
    identity: dict[str, Any]
    records: int = 0
    out_bytes: int = 0
    rejects_bytes: int = 0
    tallies: dict[str, Any] = field(default_factory=dict)
    commits: int = 0

    @property
    def sidecar(self) -> str:
        return sidecar_path(self.output)

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "output": os.path.abspath(self.output),
                "rejects": os.path.abspath(self.rejects) if self.rejects else None, "identity": self.identity,
                "records": self.records, "out_bytes": self.out_bytes, "rejects_bytes": self.rejects_bytes,
                "tallies": self.tallies, "commits": self.commits}

    def save(self) -> None:
        tmp = self.sidecar + ".tmp"
        data = json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.sidecar)
        _fsync_dir(self.sidecar)

    @classmethod
    def load(cls, output: str, rejects: str | None, identity: dict[str, Any]) -> Checkpoint:
        """The checkpoint of an interrupted run writing ``output``; errors if it belongs to another run."""
        path = sidecar_path(output)
        try:
            with open(path, encoding="utf-8") as fh:
                d = json.load(fh)
        except FileNotFoundError:
            raise ResumeError("nothing to resume: no checkpoint", path=path,
                              hint="run without --resume to start afresh") from None
        except (OSError, ValueError) as exc:
            raise ResumeError(f"unreadable checkpoint: {exc}", path=path,
                              hint="delete it and the .partial files to start afresh") from None
        if not isinstance(d, dict) or d.get("version") != VERSION:
            raise ResumeError("checkpoint written by another qa version", path=path)
        old = d.get("identity", {})
        for key, what in (("rubric", "the rubric changed"), ("selection", "--select/--ignore changed"),
                          ("inputs", "the input files changed"), ("format", "the input format changed")):
            if old.get(key) != identity.get(key):
                raise ResumeError(f"cannot resume: {what} since the interrupted run", path=path,
                                  hint="run without --resume to start afresh")
        want_rejects = os.path.abspath(rejects) if rejects else None
        if d.get("rejects") != want_rejects:
            raise ResumeError("cannot resume: --rejects differs from the interrupted run", path=path)
        cp = cls(output, rejects, identity, records=d["records"], out_bytes=d["out_bytes"],
                 rejects_bytes=d["rejects_bytes"], tallies=d["tallies"], commits=d["commits"])
        for target, length in ((partial_path(output), cp.out_bytes),
                               (partial_path(rejects) if rejects else None, cp.rejects_bytes)):
            if target is None:
                continue
            try:
                size = os.path.getsize(target)
            except OSError:
                raise ResumeError("cannot resume: the partial output is missing", path=target) from None
            if size < length:
                raise ResumeError(f"cannot resume: partial file is {size} bytes, checkpoint says {length}",
                                  path=target)
        return cp

    def discard(self) -> None:
        for p in (self.sidecar, self.sidecar + ".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(p)


class AppendFile:
    """A text file appended in batches, tracking the committed length in bytes."""

    def __init__(self, path: str, truncate_to: int | None):
        self.path = path
        try:
            if truncate_to is None:
                self._fh = open(path, "wb")
            else:
                self._fh = open(path, "r+b")
                self._fh.truncate(truncate_to)
                self._fh.seek(truncate_to)
        except OSError as exc:
            raise QAError(f"cannot write here: {exc.strerror}", path=path) from None
        self.bytes = truncate_to or 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._fh.write(data)
        self.bytes += len(data)

    def sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

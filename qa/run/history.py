"""Keeping a run's results for the history store (``qa score --db``)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator

from qa.results.files import read_results
from qa.store import fingerprint_files, is_postgres, record_run


class HistoryCopy:
    """The result files a run wrote (set ``files``), or — when the results only stream past to a reporter
    — a temporary copy written as they go (:meth:`tee`); :meth:`store` records them in the database."""

    def __init__(self, db: str):
        self.db = db
        self.files: list[str] = []
        self._tmp: str | None = None

    def tee(self, results: Iterable[dict]) -> Iterator[dict]:
        here = None if is_postgres(self.db) else os.path.dirname(os.path.abspath(self.db)) or "."
        fd, self._tmp = tempfile.mkstemp(prefix=".qa-history-", suffix=".jsonl", dir=here)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                yield r
        self.files = [self._tmp]

    def store(self, sources: list[str]):
        """Record the run; returns the store's ``RunInfo`` (``id``, ``created``)."""
        files = [p for p in sources if os.path.isfile(p)]
        try:
            return record_run(self.db, read_results(self.files),
                              input_fingerprint=fingerprint_files(files) if files else None,
                              source=", ".join(os.path.basename(p) for p in sources))
        finally:
            if self._tmp:
                with contextlib.suppress(OSError):
                    os.unlink(self._tmp)

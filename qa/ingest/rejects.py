"""The rejects file: one JSON line per input record that was not accepted, with the reason."""

from __future__ import annotations

import json

from qa.io import atomic_output
from qa.model import Reject


class RejectsWriter:
    """Collects rejects; writes them (atomically) to ``path`` if given, and keeps the first few for display."""

    def __init__(self, path: str | None, keep: int = 20):
        self.path = path
        self.keep = keep
        self.examples: list[Reject] = []
        self.count = 0
        self._cm = None
        self._fh = None

    def __enter__(self):
        if self.path:
            self._cm = atomic_output(self.path)
            self._fh = self._cm.__enter__()
        return self

    def __call__(self, rej: Reject) -> None:
        self.count += 1
        if len(self.examples) < self.keep:
            self.examples.append(rej)
        if self._fh is not None:
            self._fh.write(json.dumps(rej.to_dict(), ensure_ascii=False) + "\n")

    def __exit__(self, *exc):
        if self._cm is not None:
            return self._cm.__exit__(*exc)
        return False

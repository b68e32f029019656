"""Reading conversations from any supported format, with every record accounted for.

:func:`read_conversations` is the one entry point: it picks a reader per file (``--format auto``
sniffs), validates ids across files, and yields conversations and rejects in input order while
:class:`ReadStats` keeps the counts (``read == accepted + rejected``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from qa.errors import InputError
from qa.model import Conversation, Reject, SourceRef
from qa.readers.base import ReadOptions, Reader

__all__ = ["ReadOptions", "ReadStats", "Reader", "pick_reader", "read_conversations", "read_records"]

SNIFF_BYTES = 64 * 1024


@dataclass
class ReadStats:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    turns: int = 0
    files: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add_reject(self, rej: Reject) -> None:
        self.rejected += 1
        self.read += 1
        key = rej.field.split("[")[0].split(".")[-1] if rej.field else "record"
        kind = f"{key}: {rej.reason.split(':')[0][:60]}"
        self.reasons[kind] = self.reasons.get(kind, 0) + 1

    def add_conversation(self, conv: Conversation) -> None:
        self.accepted += 1
        self.read += 1
        self.turns += len(conv.turns)

    def to_dict(self) -> dict:
        return {"files": self.files, "read": self.read, "accepted": self.accepted, "rejected": self.rejected,
                "turns": self.turns, "reasons": dict(self.reasons)}


def _readers() -> dict[str, Reader]:
    from qa.plugins import registry

    return registry().readers


def pick_reader(path: str, fmt: str = "auto") -> Reader:
    """The reader for ``path``: by name, or by extension and content when ``fmt`` is ``auto``."""
    readers = _readers()
    if fmt != "auto":
        if fmt not in readers:
            from qa.errors import did_you_mean

            raise InputError(f"unknown format {fmt!r}; available: {', '.join(sorted(readers))}",
                             hint=did_you_mean(fmt, readers))
        return readers[fmt]
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    if os.path.isdir(path):
        raise InputError("is a directory; pass the files inside it (a shell glob works)", path=path)
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    lower = path.lower()
    by_ext = [r for r in readers.values() if any(lower.endswith(e) for e in r.extensions)]
    for r in by_ext:
        if r.sniff(path, head):
            return r
    sniffed = [r for r in readers.values() if r not in by_ext and r.sniff(path, head)]
    if len(sniffed) == 1:
        return sniffed[0]
    if len(by_ext) == 1 and not sniffed:
        return by_ext[0]
    names = ", ".join(sorted(readers))
    if sniffed:
        raise InputError(f"ambiguous format: looks like {', '.join(r.name for r in sniffed)}",
                         path=path, hint=f"pass --format (one of: {names})")
    raise InputError("cannot tell the format of this file", path=path, hint=f"pass --format (one of: {names})")


def read_records(paths: Iterable[str], fmt: str = "auto", options: ReadOptions | None = None,
                 stats: ReadStats | None = None) -> Iterator[Conversation | Reject]:
    """Yield every conversation and reject from ``paths`` in order, counting them in ``stats``.

    Duplicate conversation ids (within or across files) are rejected after the first.
    """
    options = options or ReadOptions()
    stats = stats if stats is not None else ReadStats()
    seen: set[str] = set()
    for path in paths:
        reader = pick_reader(path, fmt)
        stats.files += 1
        for rec in reader.read(path, options):
            if isinstance(rec, Reject):
                stats.add_reject(rec)
                yield rec
                continue
            if rec.id in seen:
                rej = Reject(rec.source or SourceRef(path), f"duplicate conversation id {rec.id!r}",
                             field="id", conversation_id=rec.id)
                stats.add_reject(rej)
                yield rej
                continue
            seen.add(rec.id)
            stats.add_conversation(rec)
            yield rec


def read_conversations(paths: Iterable[str] | str, fmt: str = "auto", options: ReadOptions | None = None,
                       stats: ReadStats | None = None, on_reject=None) -> Iterator[Conversation]:
    """Yield only the conversations; rejects go to ``on_reject`` (a callable) if given."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    for rec in read_records([os.fspath(p) for p in paths], fmt, options, stats):
        if isinstance(rec, Reject):
            if on_reject is not None:
                on_reject(rec)
            continue
        yield rec

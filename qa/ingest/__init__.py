"""Reading conversations from any supported format, with every record accounted for.

:func:`read_conversations` is the one entry point: it picks a reader per file (``--format auto``
sniffs), validates ids across files, and yields conversations and rejects in input order while
:class:`ReadStats` keeps the counts (``read == accepted + rejected``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from qa.errors import ConfigError, InputError, QAError, did_you_mean
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.encoding import read_head
from qa.ingest.mapping import load_mapping
from qa.model import Conversation, Reject, SourceRef

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
        kind = problem_kind(rej)
        self.reasons[kind] = self.reasons.get(kind, 0) + 1

    def add_conversation(self, conv: Conversation) -> None:
        self.accepted += 1
        self.read += 1
        self.turns += len(conv.turns)

    def to_dict(self) -> dict:
        return {"files": self.files, "read": self.read, "accepted": self.accepted, "rejected": self.rejected,
                "turns": self.turns, "reasons": dict(self.reasons)}

    @classmethod
    def from_dict(cls, d: dict) -> ReadStats:
        """The counts of a :meth:`to_dict` (a checkpoint, a Dask partition's summary)."""
        return cls(d["read"], d["accepted"], d["rejected"], d["turns"], d["files"], dict(d["reasons"]))

    def merge(self, other: ReadStats) -> None:
        """Add another ReadStats' counts (a pool chunk, a Dask partition) to these."""
        self.files += other.files
        self.read += other.read
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.turns += other.turns
        for k, v in other.reasons.items():
            self.reasons[k] = self.reasons.get(k, 0) + v


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d,.]*|\[[^\]]*\]")


def problem_kind(rej: Reject) -> str:
    """A short label grouping rejects of the same kind: the field's last name and the reason without values."""
    key = re.sub(r"\[\d+\]", "", rej.field).split(".")[-1] if rej.field else "record"
    reason = _VALUES.sub("…", rej.reason.split(" — ")[0].split(" at column")[0].split(";")[0])
    return f"{key}: {reason[:70]}"


def pick_reader(path: str, fmt: str = "auto", options: ReadOptions | None = None, *,
                readers: Mapping[str, Reader]) -> Reader:
    """The reader for ``path`` among ``readers`` (name → reader, e.g. ``registry.readers``): by name,
    or by extension and content when ``fmt`` is ``auto``.

    With a mapping file and ``auto``, the mapping's ``format:`` decides (default: by extension, csv).
    A file no reader recognises, or that several recognise, is an error naming the formats.
    """

    names = ", ".join(sorted(readers))
    if fmt == "auto" and options is not None and options.mapping:
        spec = load_mapping(options.mapping)
        fmt = spec.format or ("tsv" if path.lower().endswith((".tsv", ".tab", ".txt")) else "csv")
        if fmt not in readers:
            raise ConfigError(f"unknown format {fmt!r}; available: {names}", path=options.mapping,
                              line=spec.line("format"), field="format", hint=did_you_mean(fmt, readers))
    if fmt != "auto":
        if fmt not in readers:
            raise InputError(f"unknown format {fmt!r}; available: {names}", hint=did_you_mean(fmt, readers))
        return readers[fmt]
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    if os.path.isdir(path):
        raise InputError("is a directory; pass the files inside it (a shell glob works)", path=path)

    head = read_head(path, SNIFF_BYTES)

    def sniffs(r: Reader) -> bool:
        try:
            return bool(r.sniff(path, head))
        except QAError:
            return False

    lower = path.lower()
    by_ext = [r for r in readers.values() if any(lower.endswith(e) for e in r.extensions)]
    ext_sniffed = [r for r in by_ext if sniffs(r)]
    if len(ext_sniffed) == 1:
        return ext_sniffed[0]
    if len(ext_sniffed) > 1:
        raise InputError(f"ambiguous format: looks like {', '.join(r.name for r in ext_sniffed)}",
                         path=path, hint=f"pass --format (one of: {names})")
    sniffed = [r for r in readers.values() if r not in by_ext and sniffs(r)]
    if len(sniffed) == 1:
        return sniffed[0]
    if len(by_ext) == 1 and not sniffed:
        return by_ext[0]
    if sniffed:
        raise InputError(f"ambiguous format: looks like {', '.join(r.name for r in sniffed)}",
                         path=path, hint=f"pass --format (one of: {names})")
    if by_ext:
        raise InputError(f"the extension fits {', '.join(r.name for r in by_ext)} but the content matches none of them",
                         path=path, hint=f"pass --format (one of: {names})")
    raise InputError("cannot tell the format of this file", path=path, hint=f"pass --format (one of: {names})")


def read_records(paths: Iterable[str], fmt: str = "auto", options: ReadOptions | None = None,
                 stats: ReadStats | None = None, *, readers: Mapping[str, Reader]) -> Iterator[Conversation | Reject]:
    """Yield every conversation and reject from ``paths`` in order, counting them in ``stats``;
    ``readers`` (name → reader, e.g. ``registry.readers``) are the formats to pick from.

    Duplicate conversation ids (within or across files) are rejected after the first.
    """
    options = options or ReadOptions()
    stats = stats if stats is not None else ReadStats()
    seen: set[str] = set()
    for path, reader in _sources(paths, fmt, options, readers):
        stats.files += 1
        for rec in _guarded(reader, path, options):
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


def _sources(paths: Iterable[str], fmt: str, options: ReadOptions, readers: Mapping[str, Reader]
             ) -> Iterator[tuple[str, Reader]]:
    """Each input file with its reader; a directory is expanded by the reader that knows its layout."""
    for path in paths:
        if os.path.isdir(path):
            candidates = list(readers.values())
            if fmt != "auto":
                candidates = [pick_reader(path, fmt, options, readers=readers)]
            found = [(r, r.files_in(path)) for r in candidates]
            found = [(r, files) for r, files in found if files]
            if len(found) != 1:
                raise InputError("is a directory; pass the files inside it (a shell glob works)", path=path)
            reader, files = found[0]
            for f in files:
                yield f, reader
            continue
        yield path, pick_reader(path, fmt, options, readers=readers)


def _guarded(reader: Reader, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
    """The reader's records; a whole-file input problem becomes one reject so other files still run.

    Configuration mistakes (a bad mapping file) still stop the run.
    """

    try:
        yield from reader.read(path, options)
    except ConfigError:
        raise
    except InputError as exc:
        yield Reject(SourceRef(exc.path or path, exc.line), exc.message + (f" — {exc.hint}" if exc.hint else ""),
                     field=exc.field)


def read_conversations(paths: Iterable[str] | str, fmt: str = "auto", options: ReadOptions | None = None,
                       stats: ReadStats | None = None, on_reject=None, *, readers: Mapping[str, Reader]
                       ) -> Iterator[Conversation]:
    """Yield only the conversations; rejects go to ``on_reject`` (a callable) if given."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    for rec in read_records([os.fspath(p) for p in paths], fmt, options, stats, readers=readers):
        if isinstance(rec, Reject):
            if on_reject is not None:
                on_reject(rec)
            continue
        yield rec

"""Work for a worker, in chunks: conversations read in the parent, or raw JSONL lines the worker parses.

JSONL inputs travel as raw lines (:class:`RawChunk`): the worker parses them with the registered
``jsonl`` reader (line numbers mapped back), limit-checks, scores and serialises, and the parent only
reads lines, checks duplicate ids (:func:`account`), counts and writes. Other formats are read in the
parent and sent as compact tuples (:class:`ItemsChunk`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from qa.engine.compile import CompiledRubric
from qa.errors import ConfigError, InputError
from qa.ingest import ReadStats, pick_reader
from qa.ingest.base import ReadOptions
from qa.ingest.encoding import open_binary, readline_safe
from qa.ingest.jsonl import JsonlReader
from qa.model import Reject, SourceRef
from qa.run.job import Job, outcome_for, redacted, unpack
from qa.run.outcomes import Outcome, OverLimit, Parsed, Rejected, Scored

DEFAULT_CHUNK = 200
DEFAULT_PART_BYTES = 64 << 20


@dataclass(slots=True)
class ItemsChunk:
    """Records read in the parent: packed conversations (:func:`qa.run.job.pack`) and rejects."""

    items: list


@dataclass(slots=True)
class RawChunk:
    """Consecutive raw lines of a JSONL file, starting at line ``first_line``; ``score`` is false for
    records a resumed run already has (they are parsed, for the counts and duplicate ids, not scored)."""

    path: str
    first_line: int
    lines: list[bytes]
    score: bool = True


Chunk = ItemsChunk | RawChunk


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_chunk(chunk: Chunk, job: Job, compiled: CompiledRubric, scratch: str) -> list[Outcome]:
    """The outcomes of a chunk; raw lines are parsed by the job's ``jsonl`` reader through the file ``scratch``."""
    if isinstance(chunk, ItemsChunk):
        return [Rejected(redacted(it, job)) if isinstance(it, Reject) else outcome_for(unpack(it), job, compiled)
                for it in chunk.items]
    lines, first_line = chunk.lines, chunk.first_line
    # A chunk starting with gzip's magic bytes would be taken for a compressed file, and a byte-order
    # mark is only skipped on a file's first line: a leading blank line (skipped) keeps both as in the file.
    pad = lines[0].startswith(b"\x1f\x8b") or (first_line > 1 and lines[0].startswith(b"\xef\xbb\xbf"))
    with open(scratch, "wb") as fh:
        if pad:
            fh.write(b"\n")
        fh.writelines(lines)
    out: list[Outcome] = []
    for rec in job.readers["jsonl"].read(scratch, job.read_options):
        rec.source = SourceRef(chunk.path, first_line + rec.source.line - 1 - pad)
        if isinstance(rec, Reject):
            out.append(Rejected(redacted(rec, job)))
        else:
            out.append(outcome_for(rec, job, compiled, chunk.score))
    return out


def jsonl_only(paths: list[str], fmt: str, readers: Mapping[str, Any]) -> bool:
    """True if every input is read by the builtin JSONL reader (so raw lines can go to the workers)."""
    try:
        return bool(paths) and all(type(pick_reader(p, fmt, readers=readers)) is JsonlReader for p in paths)
    except Exception:  # noqa: BLE001 - the generic path reports the problem properly
        return False


def raw_chunks(paths: list[str], options: ReadOptions, stats: ReadStats, chunk_size: int, skip: int,
               files: list) -> Iterator[Chunk]:
    """JSONL files as chunks of raw lines (parsed in the workers); oversized lines are rejected here."""
    limit = options.max_record_bytes
    counter = [0]  # records so far (each non-blank line is one record)
    for path in paths:
        files.append(path)
        stats.files += 1
        yield from file_chunks(path, options, limit, chunk_size, skip, counter)


def file_chunks(path: str, options: ReadOptions, limit: int, chunk_size: int, skip: int, counter: list,
                byte_range: tuple[int, int, int] | None = None) -> Iterator[Chunk]:
    """One file as chunks; ``byte_range = (start, end, first_line)`` reads only the lines starting in
    ``[start, end)`` of an uncompressed file."""
    start, end, first = byte_range or (0, None, 1)
    lines: list[bytes] = []
    score = True
    try:
        with open_binary(path) as fh:
            lineno = first - 1
            if start:
                fh.seek(start)
            while True:
                if end is not None and fh.tell() >= end:
                    break
                raw = readline_safe(fh, limit + 1)
                if not raw:
                    break
                lineno += 1
                if options.progress is not None:
                    options.progress(len(raw))
                if len(raw) > limit and not raw.endswith(b"\n"):
                    size = len(raw)
                    while True:
                        more = readline_safe(fh, 1 << 20)
                        size += len(more)
                        if not more or more.endswith(b"\n"):
                            break
                    if lines:
                        yield RawChunk(path, first, lines, score)
                    lines, first = [], lineno + 1
                    counter[0] += 1
                    yield ItemsChunk([Reject(SourceRef(path, lineno),
                                             f"line is {size:,} bytes, over the {limit:,}-byte record limit")])
                    continue
                body = raw[3:] if lineno == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
                if body.strip():
                    counter[0] += 1
                    done = counter[0] <= skip
                    if done == score and lines:  # the resume boundary starts a new chunk
                        yield RawChunk(path, first, lines, score)
                        lines, first = [], lineno
                    score = not done
                lines.append(raw)
                if len(lines) >= chunk_size:
                    yield RawChunk(path, first, lines, score)
                    lines, first = [], lineno + 1
    except ConfigError:
        raise
    except InputError as exc:  # a whole-file problem (e.g. broken gzip): one reject, as the readers do
        if lines:
            yield RawChunk(path, first, lines, score)
        lines = []
        counter[0] += 1
        yield ItemsChunk([Reject(SourceRef(exc.path or path, exc.line),
                                 exc.message + (f" — {exc.hint}" if exc.hint else ""), field=exc.field)])
    if lines:
        yield RawChunk(path, first, lines, score)


def account(o: Outcome, seen: set, stats: ReadStats, job: Job, files: list) -> Outcome:
    """Count an outcome of raw JSONL lines in ``stats`` as ``read_records`` would: a repeated id becomes a
    duplicate reject, a limit reject a plain reject."""
    if isinstance(o, (Scored, Parsed, OverLimit)):
        cid = o.reject.conversation_id if isinstance(o, OverLimit) else o.conversation_id
        if cid in seen:
            src = o.reject.source if isinstance(o, OverLimit) else o.source or SourceRef(files[-1])
            o = Rejected(redacted(Reject(src, f"duplicate conversation id {cid!r}", field="id",
                                         conversation_id=cid), job))
        else:
            seen.add(cid)
    if isinstance(o, (Scored, Parsed)):
        stats.accepted += 1
        stats.read += 1
        stats.turns += o.turns
        return o
    stats.add_reject(o.reject)
    return o if isinstance(o, Rejected) else Rejected(o.reject)


def counted(o: Outcome, stats: ReadStats) -> Outcome:
    """A limit reject of a record the reader counted as accepted: move it to the rejects."""
    if not isinstance(o, OverLimit):
        return o
    stats.accepted -= 1
    stats.read -= 1
    stats.turns -= o.turns
    stats.add_reject(o.reject)
    return Rejected(o.reject)


def split_jsonl(path: str, part_bytes: int = DEFAULT_PART_BYTES) -> list[tuple[int, int, int]]:
    """Byte ranges ``(start, end, first_line)`` of about ``part_bytes`` each, cut at line ends."""
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as fh:
        while bounds[-1] + part_bytes < size:
            fh.seek(bounds[-1] + part_bytes)
            fh.readline()
            if fh.tell() >= size:
                break
            bounds.append(fh.tell())
        bounds.append(size)
        firsts = [1]
        fh.seek(0)
        line = 1
        for a, b in zip(bounds[:-2], bounds[1:-1], strict=True):
            left = b - a
            while left:
                block = fh.read(min(left, 1 << 20))
                line += block.count(b"\n")
                left -= len(block)
            firsts.append(line)
    return [(a, b, f) for a, b, f in zip(bounds[:-1], bounds[1:], firsts, strict=True)]

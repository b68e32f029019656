"""Where scoring runs: in this process, in a local process pool (``--jobs``), or on a Dask cluster.

Every executor hands back one *outcome* per input record, in input order (a result, or a reject with
its reason), scoring with the rubric compiled once per process — so the output of ``--jobs 4`` is
byte-for-byte the output of one job, and the parent can checkpoint after any record.

The process pool works on chunks. JSONL inputs travel as raw lines: the workers parse them with the
registered ``jsonl`` reader (line numbers mapped back), limit-check, score and serialise, and the
parent only reads lines, checks duplicate ids, counts and writes. Other formats are read in the
parent and sent as compact tuples. At most ``max_in_flight`` chunks are submitted at a time and reading
waits while the workers are busy, so memory is bounded by ``(max_in_flight + 1) × chunk_size`` records
however large the input is.

The Dask executor (``--scheduler tcp://HOST:PORT``) makes one task per input file: each worker reads
its file (the path must be visible to every worker), scores it, writes ``part-NNNNN.jsonl`` (and
``part-NNNNN.rejects.jsonl``) into the output directory atomically, and returns only the tallies.
"""

from __future__ import annotations

import json
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from qa.engine.compile import compile_rubric
from qa.errors import ConfigError, QAError
from qa.ingest import pick_reader, read_records
from qa.model import Conversation
from qa.plugins.registry import Registry
from qa.rules.rubric.model import Rubric

DEFAULT_CHUNK = 200

# Per-process state of a pool worker: the compiled rubric, built once by the initializer.
_COMPILED: dict[str, Any] = {}


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def compiled_for(job: Job):
    """The job's rubric compiled in this process (once per rubric hash, selection and checkers)."""
    key = (job.rubric.hash, job.select, job.ignore, tuple(sorted((k, id(v)) for k, v in job.checkers.items())))
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = compile_rubric(job.rubric, job.checkers, select=job.select, ignore=job.ignore)
    return compiled


def pack(conv: Conversation) -> tuple:
    """A conversation as nested tuples: pickles ~4× faster than the slotted dataclasses themselves."""
    src = conv.source
    return (conv.id, conv.channel, conv.language, conv.agent_id, conv.team, conv.started_at, conv.metadata or None,
            (src.path, src.line) if src is not None else None,
            [(t.role, t.text, t.ts.isoformat() if t.ts is not None else None, t.start, t.end, t.speaker,
              [(w.w, w.start, w.end) for w in t.words] if t.words is not None else None, t.meta or None)
             for t in conv.turns])


def unpack(packed: tuple) -> Conversation:
    from datetime import datetime

    from qa.model import SourceRef, Turn, Word

    iso = datetime.fromisoformat
    cid, channel, language, agent_id, team, started_at, metadata, src, turns = packed
    return Conversation(
        cid, [Turn(role, text, iso(ts) if ts is not None else None, start, end, speaker,
                   [Word(*w) for w in words] if words is not None else None, meta if meta is not None else {})
              for role, text, ts, start, end, speaker, words, meta in turns],
        channel, language, agent_id, team, started_at, metadata if metadata is not None else {},
        SourceRef(*src) if src is not None else None)


# -- outcomes -------------------------------------------------------------------------------------
#
# What one input record became, in input order — the unit every executor hands back:
#   ("r", Reject)                                   rejected by the reader
#   ("l", Reject, turns)                            over a limit (its id still counts for duplicates)
#   ("c", conv_id, turns, payload, (path, line))    accepted; payload is the result dict, or
#                                                   (JSONL line, tally) with want="line", or None if
#                                                   only parsed (records a resumed run already has)


@dataclass
class Job:
    """What a scoring process needs; sent once to each worker (checker classes and readers travel by
    reference, so a worker imports the plugin modules they come from, and nothing else)."""

    rubric: Rubric
    checkers: Mapping[str, type]
    readers: Mapping[str, Any]
    select: tuple = ()
    ignore: tuple = ()
    want: str = "dict"
    redact: bool = False
    limits: Any = None
    read_options: Any = None


def tally_of(result: dict[str, Any]) -> tuple:
    """The part of a result a RunSummary counts (see ``RunSummary.add_tally``)."""
    return (bool(result["passed"]), bool(result["fatal"]), bool(result.get("errors")), result["score"],
            [f["severity"] for f in result["findings"]])


def outcome_for(conv: Conversation, job: Job, compiled, score: bool = True) -> tuple:
    from qa.ingest.limits import check_conversation

    rej = check_conversation(conv, job.limits) if job.limits is not None else None
    src = (conv.source.path, conv.source.line) if conv.source is not None else None
    if rej is not None:
        return ("l", _redacted(rej, job), len(conv.turns))
    if not score:
        return ("c", conv.id, len(conv.turns), None, src)
    from qa.engine import score_conversation

    result = score_conversation(conv, compiled)
    if job.redact:
        from qa.results.redact import redact_result

        redact_result(result)
    if job.want == "line":
        result = (json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n", tally_of(result))
    return ("c", conv.id, len(conv.turns), result, src)


def _redacted(rej, job: Job):
    if not job.redact:
        return rej
    from qa.results.redact import redact_reject

    return redact_reject(rej)


_STATE: dict[str, Any] = {}


def _init_worker(job: Job) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _COMPILED.clear()
    _STATE.clear()
    _STATE["job"] = job
    _STATE["compiled"] = compiled_for(job)


def _scratch_file() -> str | None:
    """This worker's scratch file for raw chunks: an anonymous in-memory file (Linux memfd), which
    vanishes with the process however it ends. None where memfd is unavailable."""
    path = _STATE.get("scratch")
    if path is None and hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("qa-chunk")
        path = _STATE["scratch"] = f"/proc/self/fd/{fd}"
    return path


def _run_chunk(chunk: tuple) -> list[tuple]:
    """Score one chunk in a pool worker (the job and compiled rubric were set up by the initializer)."""
    scratch = _scratch_file()
    if scratch is not None:
        return run_chunk(chunk, _STATE["job"], _STATE["compiled"], scratch)
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="qa-chunk-", suffix=".jsonl") as tmp:
        return run_chunk(chunk, _STATE["job"], _STATE["compiled"], tmp.name)


def run_chunk(chunk: tuple, job: Job, compiled, scratch: str) -> list[tuple]:
    """Outcomes of ``("items", [packed conv | Reject])`` or ``("raw", path, first_line, lines, score)``;
    raw lines are parsed by the registered ``jsonl`` reader through the file ``scratch``."""
    from qa.model import Reject

    if chunk[0] == "items":
        return [("r", _redacted(it, job)) if isinstance(it, Reject) else outcome_for(unpack(it), job, compiled)
                for it in chunk[1]]
    _, path, first_line, lines, score = chunk
    from qa.model import SourceRef

    # A chunk starting with gzip's magic bytes would be taken for a compressed file, and a byte-order
    # mark is only skipped on a file's first line: a leading blank line (skipped) keeps both as in the file.
    pad = lines[0].startswith(b"\x1f\x8b") or (first_line > 1 and lines[0].startswith(b"\xef\xbb\xbf"))
    with open(scratch, "wb") as fh:
        if pad:
            fh.write(b"\n")
        fh.writelines(lines)
    out = []
    for rec in job.readers["jsonl"].read(scratch, job.read_options):
        src = SourceRef(path, first_line + rec.source.line - 1 - pad)
        rec.source = src
        if isinstance(rec, Reject):
            out.append(("r", _redacted(rec, job)))
        else:
            out.append(outcome_for(rec, job, compiled, score))
    return out


def _mp_context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds and inherits loaded plugins; spawn elsewhere.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_pool(chunks: Iterable, job: Job, jobs: int, max_in_flight: int | None = None,
                 on_submit=None) -> Iterator[list]:
    """Run :func:`_run_chunk` over ``chunks`` in ``jobs`` processes; yield each chunk's outcomes in order.

    At most ``max_in_flight`` chunks (default ``2 × jobs``) are submitted and not yet yielded; the
    ``chunks`` iterator is not advanced further until the oldest one is done.
    """
    from concurrent.futures import ProcessPoolExecutor

    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    limit = max_in_flight or 2 * jobs
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(), initializer=_init_worker,
                               initargs=(job,))
    pending: deque = deque()
    try:
        for chunk in chunks:
            if len(pending) >= limit:
                yield pending.popleft().result()
            pending.append(pool.submit(_run_chunk, chunk))
            if on_submit is not None:
                on_submit(len(pending))
        while pending:
            yield pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def parallel_score(conversations: Iterable[Conversation], rubric: Rubric, *, checkers: Mapping[str, type],
                   jobs: int, select=(), ignore=(),
                   chunk_size: int = DEFAULT_CHUNK, max_in_flight: int | None = None,
                   on_submit=None) -> Iterator[dict[str, Any]]:
    """Score ``conversations`` in a pool of ``jobs`` processes; yield results in input order.

    At most ``max_in_flight`` chunks (default ``2 × jobs``) are in flight at any time;
    ``on_submit(in_flight)`` is called after each submission (tests use it to prove the bound).
    """
    job = Job(rubric, checkers, {}, tuple(select), tuple(ignore))
    chunks = (("items", [pack(c) for c in chunk]) for chunk in chunked(conversations, chunk_size))
    for outcomes in ordered_pool(chunks, job, jobs, max_in_flight, on_submit):
        for o in outcomes:
            yield o[3]


def _jsonl_only(paths: list[str], fmt: str, readers: Mapping[str, Any]) -> bool:
    from qa.ingest.jsonl import JsonlReader

    try:
        return bool(paths) and all(type(pick_reader(p, fmt, readers=readers)) is JsonlReader for p in paths)
    except Exception:  # noqa: BLE001 - the generic path reports the problem properly
        return False


def _raw_chunks(paths: list[str], options, stats, chunk_size: int, skip: int, files: list) -> Iterator[tuple]:
    """JSONL files as chunks of raw lines (parsed in the workers); oversized lines are rejected here."""

    limit = options.max_record_bytes
    counter = [0]  # records so far (each non-blank line is one record)
    for path in paths:
        files.append(path)
        stats.files += 1
        yield from _file_chunks(path, options, limit, chunk_size, skip, counter)


def _file_chunks(path: str, options, limit: int, chunk_size: int, skip: int, counter: list,
                 byte_range: tuple[int, int, int] | None = None) -> Iterator[tuple]:
    """One file as chunks; ``byte_range = (start, end, first_line)`` reads only the lines starting in
    ``[start, end)`` of an uncompressed file."""
    from qa.errors import ConfigError, InputError
    from qa.ingest.encoding import open_binary, readline_safe
    from qa.model import Reject, SourceRef

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
                        yield ("raw", path, first, lines, score)
                    lines, first = [], lineno + 1
                    counter[0] += 1
                    yield ("items", [Reject(SourceRef(path, lineno),
                                            f"line is {size:,} bytes, over the {limit:,}-byte record limit")])
                    continue
                body = raw[3:] if lineno == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
                if body.strip():
                    counter[0] += 1
                    done = counter[0] <= skip
                    if done == score and lines:  # the resume boundary starts a new chunk
                        yield ("raw", path, first, lines, score)
                        lines, first = [], lineno
                    score = not done
                lines.append(raw)
                if len(lines) >= chunk_size:
                    yield ("raw", path, first, lines, score)
                    lines, first = [], lineno + 1
    except ConfigError:
        raise
    except InputError as exc:  # a whole-file problem (e.g. broken gzip): one reject, as the readers do
        if lines:
            yield ("raw", path, first, lines, score)
        lines = []
        counter[0] += 1
        yield ("items", [Reject(SourceRef(exc.path or path, exc.line),
                                exc.message + (f" — {exc.hint}" if exc.hint else ""), field=exc.field)])
    if lines:
        yield ("raw", path, first, lines, score)


def outcomes(paths: list[str], job: Job, compiled, *, fmt: str, stats, jobs: int, skip: int = 0,
             chunk_size: int = DEFAULT_CHUNK, max_in_flight: int | None = None) -> Iterator[tuple[int, tuple]]:
    """Every input record's outcome as ``(n, outcome)`` in input order, counting ``stats``; records with
    ``n <= skip`` are read (for the counts and duplicate ids) but neither scored nor yielded.

    One job scores in this process. Several jobs use a pool; JSONL inputs are then shipped as raw
    lines and parsed by the workers too, so the parent only reads, orders and writes.
    """
    from dataclasses import replace

    from qa.model import Reject

    options = job.read_options
    if jobs > 1 and _jsonl_only(paths, fmt, job.readers):
        seen: set[str] = set()
        files: list[str] = []
        wjob = replace(job, read_options=replace(options, progress=None))
        chunks = _raw_chunks(paths, options, stats, chunk_size, skip, files)
        n = 0
        for batch in ordered_pool(chunks, wjob, jobs, max_in_flight):
            for o in batch:
                n += 1
                o = account(o, seen, stats, job, files)
                if n <= skip:
                    continue
                if o[0] == "c" and o[3] is None:
                    raise QAError("cannot resume: the checkpoint does not match how this input reads",
                                  hint="run without --resume to start afresh")
                yield n, o
        return
    records = read_records(paths, fmt, options, stats, readers=job.readers)
    if jobs > 1:
        def items():
            for k, rec in enumerate(records, 1):
                if k > skip:
                    yield rec if isinstance(rec, Reject) else pack(rec)
                elif not isinstance(rec, Reject):
                    _count_limit(rec, job, stats)

        n = skip
        for batch in ordered_pool((("items", c) for c in chunked(items(), chunk_size)), job, jobs, max_in_flight):
            for o in batch:
                n += 1
                yield n, _counted(o, stats)
        return
    for n, rec in enumerate(records, 1):
        if n <= skip:
            if not isinstance(rec, Reject):
                _count_limit(rec, job, stats)
            continue
        o = ("r", _redacted(rec, job)) if isinstance(rec, Reject) else outcome_for(rec, job, compiled)
        yield n, _counted(o, stats)


def account(o: tuple, seen: set, stats, job: Job, files: list) -> tuple:
    """Count an outcome of raw JSONL lines in ``stats`` as ``read_records`` would: a repeated id becomes a
    duplicate reject, a limit reject a plain reject."""
    from qa.model import Reject, SourceRef

    kind = o[0]
    if kind != "r":
        cid = o[1] if kind == "c" else o[1].conversation_id
        if cid in seen:
            src = o[1].source if kind == "l" else SourceRef(*o[4]) if o[4] else SourceRef(files[-1])
            o = ("r", _redacted(Reject(src, f"duplicate conversation id {cid!r}", field="id",
                                       conversation_id=cid), job))
            kind = "r"
        else:
            seen.add(cid)
    if kind == "c":
        stats.accepted += 1
        stats.read += 1
        stats.turns += o[2]
        return o
    stats.add_reject(o[1])
    return o if kind == "r" else ("r", o[1])


def _counted(o: tuple, stats) -> tuple:
    """A limit reject: the reader counted the record as accepted; move it to the rejects."""
    if o[0] != "l":
        return o
    stats.accepted -= 1
    stats.read -= 1
    stats.turns -= o[2]
    stats.add_reject(o[1])
    return ("r", o[1])


def _count_limit(conv: Conversation, job: Job, stats) -> None:
    from qa.ingest.limits import check_conversation

    rej = check_conversation(conv, job.limits) if job.limits is not None else None
    if rej is not None:
        stats.accepted -= 1
        stats.read -= 1
        stats.turns -= len(conv.turns)
        stats.add_reject(rej)


# -- Dask -----------------------------------------------------------------------------------------


def expand_sources(sources: Iterable[str]) -> list[str]:
    """Paths and globs → a sorted, de-duplicated list of files (globs expand here, on the client)."""
    import glob

    out: list[str] = []
    for s in sources:
        matches = sorted(glob.glob(s, recursive=True)) if glob.has_magic(s) else [s]
        if not matches:
            raise ConfigError(f"no input matches {s!r}")
        out.extend(m for m in matches if m not in out)
    return out


DEFAULT_PART_BYTES = 64 << 20


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


def _partitions(paths: list[str], fmt: str, part_bytes: int, readers) -> list[tuple[str, tuple | None]]:
    """(path, byte range or None for the whole file): uncompressed JSONL files are split by size."""
    out: list[tuple[str, tuple | None]] = []
    for p in paths:
        plain = False
        if _jsonl_only([p], fmt, readers) and os.path.getsize(p) > part_bytes:
            with open(p, "rb") as fh:
                plain = fh.read(2) != b"\x1f\x8b"
        out.extend((p, r) for r in split_jsonl(p, part_bytes)) if plain else out.append((p, None))
    return out


def score_partition(path: str, index: int, out_dir: str, job: Job, fmt: str,
                    byte_range: tuple[int, int, int] | None = None) -> dict[str, Any]:
    """One Dask task: score a file (or a byte range of a JSONL file), write ``part-<index>.jsonl`` and
    ``part-<index>.rejects.jsonl`` atomically; only the tallies travel back."""
    import tempfile

    from qa.ingest import ReadStats
    from qa.io import atomic_output
    from qa.run.runner import RunSummary, reject_line

    compiled = compiled_for(job)
    summary = RunSummary(read=ReadStats())
    rejects: list[str] = []
    examples: list[str] = []
    name = f"part-{index:05d}"
    with atomic_output(os.path.join(out_dir, name + ".jsonl")) as out, \
            tempfile.NamedTemporaryFile(prefix="qa-part-", suffix=".jsonl") as scratch:
        if _jsonl_only([path], fmt, job.readers):
            seen: set[str] = set()
            summary.read.files += 1
            chunks = _file_chunks(path, job.read_options, job.read_options.max_record_bytes, DEFAULT_CHUNK, 0, [0],
                                  byte_range)
            found = (account(o, seen, summary.read, job, [path])
                     for chunk in chunks for o in run_chunk(chunk, job, compiled, scratch.name))
        else:
            found = (o for _, o in outcomes([path], job, compiled, fmt=fmt, stats=summary.read, jobs=1))
        for o in found:
            if o[0] == "r":
                rejects.append(reject_line(o[1]))
                if len(examples) < 20:
                    examples.append(str(o[1]))
                continue
            line, tally = o[3]
            out.write(line)
            summary.add_tally(tally)
    with atomic_output(os.path.join(out_dir, name + ".rejects.jsonl")) as rej:
        rej.writelines(rejects)
    return {"path": path, "range": list(byte_range) if byte_range else None, "part": name,
            "summary": summary.state(), "rejects": examples}


def dask_score(sources: Iterable[str], rubric: Rubric, out_dir: str, *, registry: Registry, scheduler: Any,
               fmt: str = "auto",
               read_options=None, select=(), ignore=(), summary=None, redact: bool = False, limits=None,
               part_bytes: int = DEFAULT_PART_BYTES) -> list[dict[str, Any]]:
    """Score the inputs as tasks on a Dask cluster; returns per-partition records in input order.

    A task is one input file, or one ``part_bytes`` slice (cut at a line end) of an uncompressed JSONL
    file. ``scheduler`` is an address (``tcp://host:8786``) or a ``distributed.Client``. ``out_dir`` (a
    directory every worker can write) receives ``part-NNNNN.jsonl`` per partition, in input order, plus
    a ``_SUCCESS`` manifest listing the parts once every part is written.
    """
    import json

    from qa.ingest.limits import DEFAULT as DEFAULT_LIMITS

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise ConfigError("--scheduler needs dask[distributed]: pip install 'dask[distributed]'") from None
    from qa.ingest import ReadOptions

    paths = expand_sources(sources)
    os.makedirs(out_dir, exist_ok=True)
    if not os.path.isdir(out_dir):
        raise ConfigError("with --scheduler, -o must name a directory for the partitioned output", path=out_dir)
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout=os.environ.get("QA_DASK_TIMEOUT", "10s")) if own else scheduler
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    try:
        job = Job(rubric, registry.checkers, registry.readers, tuple(select), tuple(ignore), "line", redact,
                  limits or DEFAULT_LIMITS, read_options or ReadOptions())
        futures = [client.submit(score_partition, os.path.abspath(p), i, os.path.abspath(out_dir), job, fmt,
                                 rng, pure=False)
                   for i, (p, rng) in enumerate(_partitions(paths, fmt, part_bytes, job.readers))]
        parts = client.gather(futures)
    finally:
        if own:
            client.close()
    if summary is not None:
        for p in parts:
            summary.merge(p["summary"])
    manifest = {"parts": [{"part": p["part"], "source": p["path"], "bytes": p["range"], "scored": p["summary"]["scored"],
                           "rejected": p["summary"]["read"]["rejected"]} for p in parts],
                "rubric": rubric.ref()}
    from qa.io import atomic_output

    with atomic_output(os.path.join(out_dir, "_SUCCESS")) as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return parts

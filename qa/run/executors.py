"""Where scoring runs, behind one protocol: in this process, in a local process pool (``--jobs``), or on
a Dask cluster (:mod:`qa.run.dask`).

An executor turns the input files into one outcome per input record (:mod:`qa.run.outcomes`), in input
order, scoring with the rubric compiled once per process — so the output of ``--jobs 4`` is byte for
byte the output of one job, and the caller can checkpoint after any record.

The process pool works on chunks (:mod:`qa.run.chunks`). At most ``max_in_flight`` chunks are
submitted at a time and reading waits while the workers are busy, so memory is bounded by
``(max_in_flight + 1) × chunk_size`` records however large the input is.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, Protocol

from qa.errors import ConfigError, QAError
from qa.ingest import ReadStats, read_records
from qa.ingest.limits import check_conversation
from qa.model import Conversation, Reject
from qa.rules.rubric.model import Rubric
from qa.run.chunks import (
    DEFAULT_CHUNK,
    Chunk,
    ItemsChunk,
    account,
    chunked,
    counted,
    jsonl_only,
    raw_chunks,
    run_chunk,
)
from qa.run.job import Job, compiled_for, forget_compiled, outcome_for, pack, redacted
from qa.run.outcomes import Outcome, Parsed, Rejected


class Executor(Protocol):
    """Scores the input files of a job; every executor gives the same outcomes in the same order."""

    def outcomes(self, paths: list[str], job: Job, stats: ReadStats, *, skip: int = 0) -> Iterator[Outcome]:
        """Every input record's outcome in input order, each with its ``record`` number, counting ``stats``.

        Records numbered ``<= skip`` (handled by an interrupted run) are read, for the counts and the
        duplicate ids, but neither scored nor yielded.
        """
        ...


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Read and score in this process."""

    def outcomes(self, paths: list[str], job: Job, stats: ReadStats, *, skip: int = 0) -> Iterator[Outcome]:
        compiled = compiled_for(job)
        records = read_records(paths, job.fmt, job.read_options, stats, readers=job.readers)
        for n, rec in enumerate(records, 1):
            if n <= skip:
                if not isinstance(rec, Reject):
                    _count_limit(rec, job, stats)
                continue
            o = Rejected(redacted(rec, job)) if isinstance(rec, Reject) else outcome_for(rec, job, compiled)
            o = counted(o, stats)
            o.record = n
            yield o


class PoolExecutor:
    """Score chunks in ``jobs`` worker processes. JSONL inputs are shipped as raw lines and parsed by the
    workers too, so the parent only reads, orders and writes; other formats are read in the parent."""

    def __init__(self, jobs: int, chunk_size: int = DEFAULT_CHUNK, max_in_flight: int | None = None):
        if jobs < 1:
            raise ConfigError(f"--jobs must be at least 1, got {jobs}")
        self.jobs = jobs
        self.chunk_size = chunk_size
        self.max_in_flight = max_in_flight

    def outcomes(self, paths: list[str], job: Job, stats: ReadStats, *, skip: int = 0) -> Iterator[Outcome]:
        if jsonl_only(paths, job.fmt, job.readers):
            yield from self._raw_jsonl(paths, job, stats, skip)
            return
        records = read_records(paths, job.fmt, job.read_options, stats, readers=job.readers)

        def items():
            for k, rec in enumerate(records, 1):
                if k > skip:
                    yield rec if isinstance(rec, Reject) else pack(rec)
                elif not isinstance(rec, Reject):
                    _count_limit(rec, job, stats)

        n = skip
        chunks = (ItemsChunk(c) for c in chunked(items(), self.chunk_size))
        for batch in ordered_pool(chunks, job, self.jobs, self.max_in_flight):
            for o in batch:
                n += 1
                o = counted(o, stats)
                o.record = n
                yield o

    def _raw_jsonl(self, paths: list[str], job: Job, stats: ReadStats, skip: int) -> Iterator[Outcome]:
        seen: set[str] = set()
        files: list[str] = []
        options = job.read_options
        worker_job = replace(job, read_options=replace(options, progress=None))
        chunks = raw_chunks(paths, options, stats, self.chunk_size, skip, files)
        n = 0
        for batch in ordered_pool(chunks, worker_job, self.jobs, self.max_in_flight):
            for o in batch:
                n += 1
                o = account(o, seen, stats, job, files)
                if n <= skip:
                    continue
                if isinstance(o, Parsed):
                    raise QAError("cannot resume: the checkpoint does not match how this input reads",
                                  hint="run without --resume to start afresh")
                o.record = n
                yield o


def _count_limit(conv: Conversation, job: Job, stats: ReadStats) -> None:
    """A skipped record over a limit was a reject in the interrupted run too: count it as one."""
    rej = check_conversation(conv, job.limits) if job.limits is not None else None
    if rej is not None:
        stats.accepted -= 1
        stats.read -= 1
        stats.turns -= len(conv.turns)
        stats.add_reject(rej)


# -- the process pool ---------------------------------------------------------------------------------

# Per-process state of a pool worker: the job and its compiled rubric, set up by the initializer.
_WORKER: dict[str, Any] = {}


def _init_worker(job: Job) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    forget_compiled()
    _WORKER.clear()
    _WORKER["job"] = job
    _WORKER["compiled"] = compiled_for(job)


def _scratch_file() -> str | None:
    """This worker's scratch file for raw chunks: an anonymous in-memory file (Linux memfd), which
    vanishes with the process however it ends. None where memfd is unavailable."""
    path = _WORKER.get("scratch")
    if path is None and hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("qa-chunk")
        path = _WORKER["scratch"] = f"/proc/self/fd/{fd}"
    return path


def _run_chunk(chunk: Chunk) -> list[Outcome]:
    """Score one chunk in a pool worker."""
    scratch = _scratch_file()
    if scratch is not None:
        return run_chunk(chunk, _WORKER["job"], _WORKER["compiled"], scratch)
    with tempfile.NamedTemporaryFile(prefix="qa-chunk-", suffix=".jsonl") as tmp:
        return run_chunk(chunk, _WORKER["job"], _WORKER["compiled"], tmp.name)


def _mp_context():
    import multiprocessing  # ~10 ms, and a serial run never needs it

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds and inherits loaded plugins; spawn elsewhere.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_pool(chunks: Iterable[Chunk], job: Job, jobs: int, max_in_flight: int | None = None,
                 on_submit=None) -> Iterator[list[Outcome]]:
    """Run the chunks in ``jobs`` processes; yield each chunk's outcomes in order.

    At most ``max_in_flight`` chunks (default ``2 × jobs``) are submitted and not yet yielded; the
    ``chunks`` iterator is not advanced further until the oldest one is done.
    """
    from concurrent.futures import ProcessPoolExecutor  # with multiprocessing: only when there is a pool

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
                   jobs: int, embedders: Mapping[str, Any] | None = None, select=(), ignore=(),
                   chunk_size: int = DEFAULT_CHUNK,
                   max_in_flight: int | None = None, on_submit=None) -> Iterator[dict[str, Any]]:
    """Score ``conversations`` in a pool of ``jobs`` processes; yield results in input order.

    At most ``max_in_flight`` chunks (default ``2 × jobs``) are in flight at any time;
    ``on_submit(in_flight)`` is called after each submission (tests use it to prove the bound).
    """
    job = Job(rubric, checkers, {}, tuple(select), tuple(ignore), embedders=embedders or {}, limits=None)
    chunks = (ItemsChunk([pack(c) for c in chunk]) for chunk in chunked(conversations, chunk_size))
    for outcomes in ordered_pool(chunks, job, jobs, max_in_flight, on_submit):
        for o in outcomes:
            yield o.result

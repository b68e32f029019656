"""Where scoring runs: in this process, in a local process pool (``--jobs``), or on a Dask cluster.

Every executor scores the same unit — a *chunk* of conversations — with a rubric compiled once per
process, and hands results back in input order, so the output of ``--jobs 4`` is byte-for-byte the
output of one job.

The process pool keeps at most ``max_in_flight`` chunks submitted at a time: reading stops while the
workers are busy, so memory is bounded by ``max_in_flight × chunk_size`` conversations however large
the input is.

The Dask executor (``--scheduler tcp://HOST:PORT``) makes one task per input file: each worker reads
its file (the path must be visible to every worker), scores it, writes ``part-NNNNN.jsonl`` (and
``part-NNNNN.rejects.jsonl``) into the output directory atomically, and returns only the tallies.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from qa.errors import ConfigError
from qa.model import Conversation
from qa.rubric.model import Rubric

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


def plugin_state() -> tuple:
    """What a fresh process needs to rebuild this process's plugin registry."""
    from qa import plugins

    return plugins._DEFAULT_OPTIONS, os.environ.get("QA_PLUGINS")


def _restore_plugins(state: tuple) -> None:
    from qa import plugins

    options, only = state
    if only is None:
        os.environ.pop("QA_PLUGINS", None)
    else:
        os.environ["QA_PLUGINS"] = only
    plugins.set_default_options(*options)


def compiled_for(rubric: Rubric, select=(), ignore=()):
    """The rubric compiled in this process (once per rubric hash and selection)."""
    from qa.engine import compile_rubric

    key = f"{rubric.hash}|{','.join(select)}|{','.join(ignore)}"
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = compile_rubric(rubric, select=select, ignore=ignore)
    return compiled


def _init_worker(rubric: Rubric, select, ignore, state) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _restore_plugins(state)
    _COMPILED.clear()
    _COMPILED["current"] = compiled_for(rubric, select, ignore)


def pack(conv: Conversation) -> tuple:
    """A conversation as nested tuples: pickles ~10× faster than the slotted dataclasses themselves."""
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


def _score_chunk(packed: list[tuple]) -> list[dict[str, Any]]:
    from qa.engine import score_conversation

    compiled = _COMPILED["current"]
    return [score_conversation(unpack(p), compiled) for p in packed]


def _mp_context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds and inherits loaded plugins; spawn elsewhere.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def parallel_score(conversations: Iterable[Conversation], rubric: Rubric, *, jobs: int, select=(), ignore=(),
                   chunk_size: int = DEFAULT_CHUNK, max_in_flight: int | None = None,
                   on_submit=None) -> Iterator[dict[str, Any]]:
    """Score ``conversations`` in a pool of ``jobs`` processes; yield results in input order.

    At most ``max_in_flight`` chunks (default ``2 × jobs``) are submitted and not yet yielded at any
    time. ``on_submit(in_flight)`` is called after each submission (used by tests to prove the bound).
    """
    from concurrent.futures import ProcessPoolExecutor

    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    limit = max_in_flight or 2 * jobs
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(), initializer=_init_worker,
                               initargs=(rubric, tuple(select), tuple(ignore), plugin_state()))
    pending: deque = deque()
    try:
        for chunk in chunked(conversations, chunk_size):
            if len(pending) >= limit:
                yield from pending.popleft().result()
            pending.append(pool.submit(_score_chunk, [pack(c) for c in chunk]))
            if on_submit is not None:
                on_submit(len(pending))
        while pending:
            yield from pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


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


def score_partition(path: str, index: int, out_dir: str, rubric: Rubric, fmt: str, read_options, select, ignore,
                    state) -> dict[str, Any]:
    """One Dask task: read ``path``, score it, write ``part-<index>.jsonl`` (+ rejects) atomically; tallies back."""
    import json

    from qa.engine import score_conversation
    from qa.io import atomic_output
    from qa.model import Reject
    from qa.readers import ReadStats, read_records
    from qa.runner import RunSummary

    _restore_plugins(state)
    compiled = compiled_for(rubric, select, ignore)
    summary = RunSummary(read=ReadStats())
    rejects: list[str] = []
    examples: list[str] = []
    name = f"part-{index:05d}"
    with atomic_output(os.path.join(out_dir, name + ".jsonl")) as out:
        for rec in read_records([path], fmt, read_options, summary.read):
            if isinstance(rec, Reject):
                rejects.append(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
                if len(examples) < 20:
                    examples.append(str(rec))
                continue
            result = score_conversation(rec, compiled)
            summary.add(result)
            out.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
    with atomic_output(os.path.join(out_dir, name + ".rejects.jsonl")) as rej:
        rej.writelines(rejects)
    return {"path": path, "part": name, "summary": summary_state(summary),
            "rejects": examples}


def summary_state(summary) -> dict[str, Any]:
    """Everything a RunSummary tallies, as plain data (for checkpoints and Dask results)."""
    return {"read": summary.read.to_dict(), "scored": summary.scored, "passed": summary.passed,
            "fatal": summary.fatal, "errors": summary.errors, "score_total": summary.score_total,
            "findings_by_severity": dict(summary.findings_by_severity)}


def merge_summary(summary, state: dict[str, Any], with_read: bool = True) -> None:
    """Add the tallies of ``state`` (from :func:`summary_state`) into ``summary``."""
    summary.scored += state["scored"]
    summary.passed += state["passed"]
    summary.fatal += state["fatal"]
    summary.errors += state["errors"]
    summary.score_total += state["score_total"]
    for sev, n in state["findings_by_severity"].items():
        summary.findings_by_severity[sev] = summary.findings_by_severity.get(sev, 0) + n
    if with_read:
        r, s = summary.read, state["read"]
        r.files += s["files"]
        r.read += s["read"]
        r.accepted += s["accepted"]
        r.rejected += s["rejected"]
        r.turns += s["turns"]
        for k, v in s["reasons"].items():
            r.reasons[k] = r.reasons.get(k, 0) + v


def dask_score(sources: Iterable[str], rubric: Rubric, out_dir: str, *, scheduler: Any, fmt: str = "auto",
               read_options=None, select=(), ignore=(), summary=None) -> list[dict[str, Any]]:
    """Score every input file as one task on a Dask cluster; returns per-partition records in input order.

    ``scheduler`` is an address (``tcp://host:8786``) or a ``distributed.Client``. ``out_dir`` (a
    directory every worker can write) receives ``part-NNNNN.jsonl`` per input file, in input order,
    plus a ``_SUCCESS`` manifest listing the parts once every part is written.
    """
    import json

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise ConfigError("--scheduler needs dask[distributed]: pip install 'dask[distributed]'") from None
    from qa.readers import ReadOptions

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
        state = plugin_state()
        futures = [client.submit(score_partition, os.path.abspath(p), i, os.path.abspath(out_dir), rubric, fmt,
                                 read_options or ReadOptions(), tuple(select), tuple(ignore), state, pure=False)
                   for i, p in enumerate(paths)]
        parts = client.gather(futures)
    finally:
        if own:
            client.close()
    if summary is not None:
        for p in parts:
            merge_summary(summary, p["summary"])
    manifest = {"parts": [{"part": p["part"], "source": p["path"], "scored": p["summary"]["scored"],
                           "rejected": p["summary"]["read"]["rejected"]} for p in parts],
                "rubric": rubric.ref()}
    from qa.io import atomic_output

    with atomic_output(os.path.join(out_dir, "_SUCCESS")) as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return parts

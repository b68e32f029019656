"""The Dask executor (``--scheduler tcp://HOST:PORT``): one task per input file, or per slice of a large
JSONL file.

Each worker reads its part (the path must be visible to every worker), scores it, writes
``part-NNNNN.jsonl`` and ``part-NNNNN.rejects.jsonl`` into the output directory atomically, and
returns only the tallies. Once every part is written, a ``_SUCCESS`` manifest lists them. ``dask`` is
imported only when this executor runs.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from qa.errors import ConfigError
from qa.ingest import ReadStats
from qa.io import atomic_output
from qa.run.chunks import (
    DEFAULT_CHUNK,
    DEFAULT_PART_BYTES,
    account,
    file_chunks,
    jsonl_only,
    run_chunk,
    split_jsonl,
)
from qa.run.executors import SerialExecutor
from qa.run.job import Job, compiled_for, reject_line
from qa.run.outcomes import PartWritten, Rejected
from qa.run.summary import RunSummary


def expand_sources(sources: Iterable[str]) -> list[str]:
    """Paths and globs → a sorted, de-duplicated list of files (globs expand here, on the client)."""
    out: list[str] = []
    for s in sources:
        matches = sorted(glob.glob(s, recursive=True)) if glob.has_magic(s) else [s]
        if not matches:
            raise ConfigError(f"no input matches {s!r}")
        out.extend(m for m in matches if m not in out)
    return out


class DaskExecutor:
    """Score on a Dask cluster into ``out_dir``; yields one :class:`PartWritten` per part, in input order.

    ``scheduler`` is an address (``tcp://host:8786``) or a ``distributed.Client``; ``out_dir`` must be
    a directory every worker can write. An uncompressed JSONL file larger than ``part_bytes`` is cut
    into slices at line ends, one task each.
    """

    def __init__(self, scheduler: Any, out_dir: str, part_bytes: int = DEFAULT_PART_BYTES):
        self.scheduler = scheduler
        self.out_dir = out_dir
        self.part_bytes = part_bytes

    def outcomes(self, paths: list[str], job: Job, stats: ReadStats, *, skip: int = 0) -> Iterator[PartWritten]:
        if skip:
            raise ConfigError("a Dask run cannot resume", hint="run again without --resume")
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - dask is a declared dependency
            raise ConfigError("--scheduler needs dask[distributed]: pip install 'dask[distributed]'") from None
        paths = expand_sources(paths)
        out_dir = self.out_dir
        os.makedirs(out_dir, exist_ok=True)
        if not os.path.isdir(out_dir):
            raise ConfigError("with --scheduler, -o must name a directory for the partitioned output", path=out_dir)
        own = not isinstance(self.scheduler, Client)
        try:
            client = Client(self.scheduler, timeout=os.environ.get("QA_DASK_TIMEOUT", "10s")) if own else self.scheduler
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler {self.scheduler!r}: {exc}") from None
        job = replace(job, want="line")
        try:
            futures = [client.submit(score_partition, os.path.abspath(p), i, os.path.abspath(out_dir), job, rng,
                                     pure=False)
                       for i, (p, rng) in enumerate(partitions(paths, job, self.part_bytes))]
            parts: list[PartWritten] = client.gather(futures)
        finally:
            if own:
                client.close()
        for part in parts:
            stats.merge(part.summary.read)
        manifest = {"parts": [{"part": p.part, "source": p.source, "bytes": list(p.byte_range) if p.byte_range else None,
                               "scored": p.summary.scored, "rejected": p.summary.read.rejected} for p in parts],
                    "rubric": job.rubric.ref()}
        with atomic_output(os.path.join(out_dir, "_SUCCESS")) as fh:
            fh.write(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        yield from parts


def partitions(paths: list[str], job: Job, part_bytes: int) -> list[tuple[str, tuple[int, int, int] | None]]:
    """(path, byte range or None for the whole file): uncompressed JSONL files are split by size."""
    out: list[tuple[str, tuple | None]] = []
    for p in paths:
        plain = False
        if jsonl_only([p], job.fmt, job.readers) and os.path.getsize(p) > part_bytes:
            with open(p, "rb") as fh:
                plain = fh.read(2) != b"\x1f\x8b"
        out.extend((p, r) for r in split_jsonl(p, part_bytes)) if plain else out.append((p, None))
    return out


def score_partition(path: str, index: int, out_dir: str, job: Job,
                    byte_range: tuple[int, int, int] | None = None) -> PartWritten:
    """One Dask task: score a file (or a byte range of a JSONL file), write ``part-<index>.jsonl`` and
    ``part-<index>.rejects.jsonl`` atomically; only the tallies travel back."""
    summary = RunSummary(read=ReadStats())
    rejects: list[str] = []
    examples: list[str] = []
    name = f"part-{index:05d}"
    with atomic_output(os.path.join(out_dir, name + ".jsonl")) as out, \
            tempfile.NamedTemporaryFile(prefix="qa-part-", suffix=".jsonl") as scratch:
        if jsonl_only([path], job.fmt, job.readers):
            compiled = compiled_for(job)
            seen: set[str] = set()
            summary.read.files += 1
            chunks = file_chunks(path, job.read_options, job.read_options.max_record_bytes, DEFAULT_CHUNK, 0, [0],
                                 byte_range)
            found = (account(o, seen, summary.read, job, [path])
                     for chunk in chunks for o in run_chunk(chunk, job, compiled, scratch.name))
        else:
            found = SerialExecutor().outcomes([path], job, summary.read)
        for o in found:
            if isinstance(o, Rejected):
                rejects.append(reject_line(o.reject))
                if len(examples) < 20:
                    examples.append(str(o.reject))
                continue
            out.write(o.line)
            summary.add_tally(o.tally)
    with atomic_output(os.path.join(out_dir, name + ".rejects.jsonl")) as rej:
        rej.writelines(rejects)
    return PartWritten(name, path, byte_range, summary, examples)

"""Converting inputs to canonical JSONL (``qa ingest``) and checking them (``qa validate``).

Both read every record of every source, account for each one (``read == accepted + rejected``)
and return the :class:`ReadStats`; the CLI only prints.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from qa.ingest import Reader, ReadOptions, ReadStats, read_records
from qa.ingest.schema import schema_problems
from qa.model import FORMAT_VERSION, Reject

PROGRESS_MIN_BYTES = 4 * 1024 * 1024


@dataclass
class Outcome:
    stats: ReadStats
    examples: list[Reject] = field(default_factory=list)
    schema_errors: int = 0


def ingest(paths: list[str], out, fmt: str = "auto", options: ReadOptions | None = None,
           on_reject: Callable[[Reject], None] | None = None, keep: int = 5, *, readers: Mapping[str, Reader]
           ) -> Outcome:
    """Write each accepted conversation of ``paths`` as one canonical JSON line to ``out``."""
    options = options or ReadOptions()
    outcome = Outcome(ReadStats())
    for rec in read_records(paths, fmt, options, outcome.stats, readers=readers):
        if isinstance(rec, Reject):
            _note(outcome, rec, on_reject, keep)
            continue
        out.write(json.dumps(rec.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
    return outcome


def validate(paths: list[str], fmt: str = "auto", options: ReadOptions | None = None,
             on_reject: Callable[[Reject], None] | None = None, keep: int = 5, *, readers: Mapping[str, Reader]
             ) -> Outcome:
    """Read everything without writing; canonical JSONL lines are also checked against the JSON Schema,
    and every converted conversation is checked to serialise to a schema-valid line."""

    options = options or ReadOptions()
    options.extra = {**options.extra, "schema": True}
    outcome = Outcome(ReadStats())
    for rec in read_records(paths, fmt, options, outcome.stats, readers=readers):
        if isinstance(rec, Reject):
            _note(outcome, rec, on_reject, keep)
            continue
        problems = schema_problems(rec.to_dict())
        if problems:  # a reader produced something the format does not allow: a bug, reported loudly
            outcome.schema_errors += 1
            fld, msg = problems[0]
            rej = Reject(rec.source, f"converted conversation breaks the schema ({msg}); please report this",
                         field=fld, conversation_id=rec.id)
            outcome.stats.accepted -= 1
            outcome.stats.read -= 1
            outcome.stats.turns -= len(rec.turns)
            outcome.stats.add_reject(rej)
            _note(outcome, rej, on_reject, keep)
    return outcome


def _note(outcome: Outcome, rej: Reject, on_reject, keep: int) -> None:
    if len(outcome.examples) < keep:
        outcome.examples.append(rej)
    if on_reject is not None:
        on_reject(rej)


@contextlib.contextmanager
def progress_bar(paths: Iterable[str], options: ReadOptions, enabled: bool = True):
    """A rich progress bar on stderr (bytes read) for inputs over a few MB on a terminal."""
    sizes = []
    for p in paths:
        try:
            sizes.append(os.path.getsize(p))
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or total < PROGRESS_MIN_BYTES or not console.is_terminal:
        yield
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("reading"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("read", total=total)
        pending = [0]

        def advance(n: int) -> None:
            pending[0] += n
            if pending[0] >= 1 << 18:
                bar.advance(task, pending[0])
                pending[0] = 0

        options.progress = advance
        try:
            yield
        finally:
            options.progress = None


def summary_lines(outcome: Outcome, rejects_path: str | None, verb: str = "wrote") -> list[str]:
    s = outcome.stats
    lines = [f"read {s.read:,} record(s) from {s.files} file(s): {s.accepted:,} conversation(s) accepted "
             f"({s.turns:,} turns), {s.rejected:,} rejected"]
    if s.reasons:
        lines.append("problems by kind:")
        for kind, n in sorted(s.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:>7,}  {kind}")
        for rej in outcome.examples:
            lines.append(f"  e.g. {rej}")
        if s.rejected > len(outcome.examples):
            more = s.rejected - len(outcome.examples)
            lines.append(f"  … {more:,} more" + (f" in {rejects_path}" if rejects_path else " (use --rejects FILE)"))
    return lines


__all__ = ["FORMAT_VERSION", "Outcome", "ingest", "progress_bar", "summary_lines", "validate"]

"""What a scoring process needs (:class:`Job`) and what it does with one conversation (:func:`outcome_for`).

A job travels once to each pool or Dask worker. Checker classes and readers travel by reference, so a
worker imports the plugin modules they come from and builds no registry of its own; the rubric is
compiled once per process (:func:`compiled_for`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qa.engine.compile import CompiledRubric, compile_rubric
from qa.engine.score import score_conversation
from qa.ingest.base import ReadOptions
from qa.ingest.limits import DEFAULT as DEFAULT_LIMITS
from qa.ingest.limits import Limits, check_conversation
from qa.model import Conversation, Reject, ResultDict, SourceRef, Turn, Word
from qa.rules.rubric.model import Rubric
from qa.run.outcomes import OverLimit, Parsed, Scored, Tally


@dataclass
class Job:
    """The rubric and everything else that decides how one conversation is scored."""

    rubric: Rubric
    checkers: Mapping[str, type]
    readers: Mapping[str, Any]
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    embedders: Mapping[str, Any] = field(default_factory=dict)  # embedding backends of ``similar`` rules
    fmt: str = "auto"            # the input format (``--format``)
    want: str = "dict"           # "dict": Scored.result; "line": Scored.line + Scored.tally
    redact: bool = False
    limits: Limits | None = DEFAULT_LIMITS
    read_options: ReadOptions | None = None


_COMPILED: dict[tuple, CompiledRubric] = {}


def compiled_for(job: Job) -> CompiledRubric:
    """The job's rubric compiled in this process (once per rubric hash, selection and checker classes)."""
    key = (job.rubric.hash, job.select, job.ignore, tuple(sorted((k, id(v)) for k, v in job.checkers.items())))
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = compile_rubric(job.rubric, job.checkers, embedders=job.embedders,
                                                   select=job.select, ignore=job.ignore)
    return compiled


def forget_compiled() -> None:
    """Drop this process's compiled rubrics (a fresh pool worker starts clean)."""
    _COMPILED.clear()


def outcome_for(conv: Conversation, job: Job, compiled: CompiledRubric, score: bool = True
                ) -> Scored | Parsed | OverLimit:
    """Limit-check and score one accepted conversation (``score=False``: only account for it)."""
    rej = check_conversation(conv, job.limits) if job.limits is not None else None
    if rej is not None:
        return OverLimit(redacted(rej, job), len(conv.turns))
    if not score:
        return Parsed(conv.id, len(conv.turns), conv.source)
    result = score_conversation(conv, compiled)
    if job.redact:
        from qa.results.redact import redact_result  # its patterns compile on import: only with --redact

        redact_result(result)
    if job.want == "line":
        return Scored(conv.id, len(conv.turns), conv.source, line=result_line(result), tally=Tally.of(result))
    return Scored(conv.id, len(conv.turns), conv.source, result=result)


def redacted(rej: Reject, job: Job) -> Reject:
    if not job.redact:
        return rej
    from qa.results.redact import redact_reject

    return redact_reject(rej)


def result_line(result: ResultDict) -> str:
    """A result as one JSONL line, exactly as the jsonl reporter writes it."""
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n"


def reject_line(rej: Reject) -> str:
    return json.dumps(rej.to_dict(), ensure_ascii=False) + "\n"


def pack(conv: Conversation) -> tuple:
    """A conversation as nested tuples: pickles ~4× faster than the slotted dataclasses themselves."""
    src = conv.source
    return (conv.id, conv.channel, conv.language, conv.agent_id, conv.team, conv.started_at, conv.metadata or None,
            (src.path, src.line) if src is not None else None,
            [(t.role, t.text, t.ts.isoformat() if t.ts is not None else None, t.start, t.end, t.speaker,
              [(w.w, w.start, w.end) for w in t.words] if t.words is not None else None, t.meta or None)
             for t in conv.turns])


def unpack(packed: tuple) -> Conversation:
    iso = datetime.fromisoformat
    cid, channel, language, agent_id, team, started_at, metadata, src, turns = packed
    return Conversation(
        cid, [Turn(role, text, iso(ts) if ts is not None else None, start, end, speaker,
                   [Word(*w) for w in words] if words is not None else None, meta if meta is not None else {})
              for role, text, ts, start, end, speaker, words, meta in turns],
        channel, language, agent_id, team, started_at, metadata if metadata is not None else {},
        SourceRef(*src) if src is not None else None)

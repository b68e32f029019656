"""The data that flows through qa: conversations in, findings and results out.

Plain dataclasses; every stage of the pipeline is a function over these. The canonical
serialised form is documented in ``docs/format.md`` and ``qa/schemas/conversation.schema.json``.
After scoring, a conversation's result is a plain dict (it is written as JSON and read back by the
scorecard, the history store and the reporters): :class:`ResultDict` and :class:`FindingDict` give
its keys and types, mirroring ``qa/schemas/result.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

ROLES = ("agent", "customer", "system", "bot")
CHANNELS = ("chat", "call")
SEVERITIES = ("info", "minor", "major", "critical")
FORMAT_VERSION = "1.0"


@dataclass(slots=True)
class Word:
    """One timed word of a call turn (seconds from call start)."""

    w: str
    start: float
    end: float


@dataclass(slots=True)
class Turn:
    """One message (chat) or one speaker segment (call).

    ``ts`` is the wall-clock time of a chat message; ``start``/``end`` are seconds from the start of
    a call. Either may be missing; rules that need them are then not applicable.
    """

    role: str
    text: str
    ts: datetime | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    words: list[Word] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SourceRef:
    """Where a record came from, for error messages and rejects files."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(slots=True)
class Conversation:
    id: str
    turns: list[Turn]
    channel: str = "chat"
    language: str = "zh"
    agent_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: SourceRef | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (see docs/format.md)."""
        out: dict[str, Any] = {"id": self.id, "channel": self.channel, "language": self.language}
        if self.agent_id is not None:
            out["agent_id"] = self.agent_id
        if self.team is not None:
            out["team"] = self.team
        if self.started_at is not None:
            out["started_at"] = self.started_at.isoformat()
        if self.metadata:
            out["metadata"] = self.metadata
        out["turns"] = [turn_to_dict(t) for t in self.turns]
        return out


def turn_to_dict(t: Turn) -> dict[str, Any]:
    d: dict[str, Any] = {"role": t.role, "text": t.text}
    if t.ts is not None:
        d["ts"] = t.ts.isoformat()
    if t.start is not None:
        d["start"] = t.start
    if t.end is not None:
        d["end"] = t.end
    if t.speaker is not None:
        d["speaker"] = t.speaker
    if t.words:
        d["words"] = [{"w": w.w, "start": w.start, "end": w.end} for w in t.words]
    if t.meta:
        d["meta"] = t.meta
    return d


@dataclass(slots=True)
class Reject:
    """An input record that could not be turned into a conversation, and why."""

    source: SourceRef
    reason: str
    field: str | None = None
    raw: str | None = None
    conversation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.path,
            "line": self.source.line,
            "field": self.field,
            "reason": self.reason,
            "conversation_id": self.conversation_id,
            "raw": self.raw if self.raw is None or len(self.raw) <= 10_000 else self.raw[:10_000] + "…",
        }

    def __str__(self) -> str:
        where = str(self.source)
        fld = f" [{self.field}]" if self.field else ""
        return f"{where}{fld}: {self.reason}"


@dataclass(slots=True)
class Finding:
    """One piece of evidence that a rule was broken (or, for info rules, observed).

    ``span`` is a half-open character range ``[start, end)`` in the *input* text of turn ``turn``
    (normalisation offsets are mapped back), so evidence can be highlighted in the original transcript.
    """

    rule: str
    checker: str
    severity: str
    message: str
    turn: int | None = None
    span: tuple[int, int] | None = None
    time: float | None = None
    evidence: str | None = None
    points: float = 0.0
    tags: tuple[str, ...] = ()
    speaker: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> FindingDict:
        d: FindingDict = {
            "rule": self.rule,
            "checker": self.checker,
            "severity": self.severity,
            "points": self.points,
            "tags": list(self.tags),
            "turn": self.turn,
            "span": list(self.span) if self.span is not None else None,
            "time": self.time,
            "evidence": self.evidence,
            "message": self.message,
        }
        if self.speaker is not None:
            d["speaker"] = self.speaker
        if self.extra:
            d["extra"] = self.extra
        return d


@dataclass(slots=True)
class RuleOutcome:
    """What a checker returns for one rule on one conversation.

    ``applicable=False`` means the rule could not be judged (e.g. a timing rule without times);
    ``reason`` says why, and the rule leaves the score's denominator. ``metrics`` and ``labels``
    are merged into the conversation result.
    """

    findings: list[Finding] = field(default_factory=list)
    applicable: bool = True
    reason: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)


NOT_APPLICABLE = RuleOutcome(applicable=False)


# -- results after scoring: the dicts of qa/schemas/result.schema.json ---------------------------------


class _FindingRequired(TypedDict):
    rule: str
    checker: str
    severity: Literal["info", "minor", "major", "critical"]
    points: float
    tags: list[str]
    turn: int | None
    span: list[int] | None        # [start, end) in the input text of ``turn``
    time: float | None            # seconds from the conversation start
    evidence: str | None
    message: str


class FindingDict(_FindingRequired, total=False):
    """One finding in a result (``Finding.to_dict()``)."""

    speaker: str
    extra: dict[str, Any]


class RubricRef(TypedDict):
    id: str
    version: str
    hash: str                     # sha256:<16 hex>


class SectionScore(TypedDict, total=False):
    score: float | None           # None: nothing in the section applied
    max: float
    title: str
    applicable: bool


class CheckerError(TypedDict, total=False):
    rule: str
    checker: str
    error: str
    traceback: str


class _ResultRequired(TypedDict):
    conversation_id: str
    agent_id: str | None
    team: str | None
    channel: Literal["chat", "call"]
    rubric: RubricRef
    score: float
    max_score: float
    passed: bool
    fatal: bool
    sections: dict[str, SectionScore]
    findings: list[FindingDict]
    not_applicable: list[str]
    labels: dict[str, Any]        # at least ``complaint_types``
    metrics: dict[str, Any]


class ResultDict(_ResultRequired, total=False):
    """One conversation's score result: a line of ``qa score -f jsonl`` (docs/format.md)."""

    language: str
    started_at: str | None
    turns: int
    not_applicable_reasons: dict[str, str]
    agents: list[str]
    metadata: dict[str, Any]
    source: str
    errors: list[CheckerError]

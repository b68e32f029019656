"""What one input record became: the unit every executor hands back, in input order.

* :class:`Scored` — accepted and scored: the result dict, or (for output written straight to a file)
  the result as a JSONL line and its :class:`Tally`;
* :class:`Parsed` — accepted and read but not scored (a record a resumed run already has);
* :class:`Rejected` — rejected by the reader (or as a duplicate id), with the reason;
* :class:`OverLimit` — parsed but over an input limit: a reject whose id still counts for duplicates;
* :class:`PartWritten` — a Dask partition scored and written by a worker; only its tallies come back.

``record`` is the 1-based number of the input record, set by whoever counts the records in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qa.model import Reject, ResultDict, SourceRef

if TYPE_CHECKING:  # pragma: no cover
    from qa.run.summary import RunSummary


@dataclass(slots=True)
class Tally:
    """The part of a result a :class:`~qa.run.summary.RunSummary` counts (travels instead of the result)."""

    passed: bool
    fatal: bool
    errors: bool
    score: float
    severities: list[str]

    @classmethod
    def of(cls, result: ResultDict) -> Tally:
        return cls(bool(result["passed"]), bool(result["fatal"]), bool(result.get("errors")), result["score"],
                   [f["severity"] for f in result["findings"]])


@dataclass(slots=True)
class Scored:
    conversation_id: str
    turns: int
    source: SourceRef | None
    result: ResultDict | None = None      # the result dict (Job.want == "dict")
    line: str | None = None               # the result as one JSONL line (Job.want == "line") …
    tally: Tally | None = None            # … with what the summary counts
    record: int = 0


@dataclass(slots=True)
class Parsed:
    conversation_id: str
    turns: int
    source: SourceRef | None
    record: int = 0


@dataclass(slots=True)
class Rejected:
    reject: Reject
    record: int = 0


@dataclass(slots=True)
class OverLimit:
    reject: Reject
    turns: int
    record: int = 0


@dataclass(slots=True)
class PartWritten:
    part: str                          # part-NNNNN
    source: str
    byte_range: tuple[int, int, int] | None
    summary: RunSummary
    reject_examples: list[str] = field(default_factory=list)


Outcome = Scored | Parsed | Rejected | OverLimit | PartWritten

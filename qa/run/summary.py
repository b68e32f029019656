"""The tallies of a scoring run, and the quality gate over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qa.ingest import ReadStats
from qa.model import SEVERITIES, Reject, ResultDict
from qa.run.outcomes import Tally


@dataclass
class RunSummary:
    """What a run read and scored. Summaries of parts of a run (pool chunks, Dask partitions, the part
    before a resume) combine with :meth:`merge`; :meth:`to_state` / :meth:`from_state` store one as JSON."""

    read: ReadStats = field(default_factory=ReadStats)
    scored: int = 0
    passed: int = 0
    fatal: int = 0
    errors: int = 0
    score_total: float = 0.0
    findings_by_severity: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.scored - self.passed

    @property
    def mean_score(self) -> float | None:
        return self.score_total / self.scored if self.scored else None

    def add(self, result: ResultDict) -> None:
        """Count one result."""
        self.scored += 1
        self.passed += bool(result["passed"])
        self.fatal += bool(result["fatal"])
        self.errors += bool(result.get("errors"))
        self.score_total += result["score"]
        for f in result["findings"]:
            sev = f["severity"]
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + 1

    def add_tally(self, tally: Tally) -> None:
        """Count one result from its tally, without the whole result."""
        self.scored += 1
        self.passed += tally.passed
        self.fatal += tally.fatal
        self.errors += tally.errors
        self.score_total += tally.score
        for sev in tally.severities:
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + 1

    def merge(self, other: RunSummary, *, with_read: bool = True) -> None:
        """Add another summary's tallies (and, unless ``with_read`` is false, its read counts) to this one."""
        self.scored += other.scored
        self.passed += other.passed
        self.fatal += other.fatal
        self.errors += other.errors
        self.score_total += other.score_total
        for sev, n in other.findings_by_severity.items():
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + n
        if with_read:
            self.read.merge(other.read)

    def to_state(self) -> dict[str, Any]:
        """Everything this summary tallies, as plain data (the checkpoint's ``tallies``)."""
        return {"read": self.read.to_dict(), "scored": self.scored, "passed": self.passed, "fatal": self.fatal,
                "errors": self.errors, "score_total": self.score_total,
                "findings_by_severity": dict(self.findings_by_severity)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunSummary:
        return cls(ReadStats.from_dict(state["read"]), state["scored"], state["passed"], state["fatal"],
                   state["errors"], state["score_total"], dict(state["findings_by_severity"]))

    def to_dict(self) -> dict[str, Any]:
        """The counts shown to people and plugins (``qa_run_end``)."""
        return {"read": self.read.read, "accepted": self.read.accepted, "rejected": self.read.rejected,
                "scored": self.scored, "passed": self.passed, "failed": self.failed, "fatal": self.fatal,
                "errors": self.errors, "mean_score": round(self.mean_score, 2) if self.mean_score is not None else None,
                "findings_by_severity": self.findings_by_severity}

    def gate(self, fail_under: float | None, fail_on: str | None) -> list[str]:
        """Reasons the quality gate fails (empty = passes)."""
        reasons = []
        if fail_under is not None and self.mean_score is not None and self.mean_score < fail_under:
            reasons.append(f"mean score {self.mean_score:.2f} is under --fail-under {fail_under:g}")
        if fail_on:
            worst = SEVERITIES.index(fail_on)
            hits = sum(n for sev, n in self.findings_by_severity.items() if SEVERITIES.index(sev) >= worst)
            if hits:
                reasons.append(f"{hits} finding(s) of severity {fail_on} or worse (--fail-on {fail_on})")
        return reasons


@dataclass
class RejectTally:
    """The rejects of a run: how many, and the first few (as shown in the summary)."""

    count: int = 0
    examples: list = field(default_factory=list)
    keep: int = 20

    def add(self, rej: Reject | str) -> None:
        self.count += 1
        if len(self.examples) < self.keep:
            self.examples.append(rej)

"""A scoring run end to end: read → score → report, with counts that add up and the quality gate.

This is what ``qa score`` calls; it is importable so a nightly script can do the same in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from qa.model import SEVERITIES
from qa.readers import ReadOptions, ReadStats, read_conversations
from qa.rubric.model import Rubric


@dataclass
class RunSummary:
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

    def add(self, result: dict[str, Any]) -> None:
        self.scored += 1
        self.passed += bool(result["passed"])
        self.fatal += bool(result["fatal"])
        self.errors += bool(result.get("errors"))
        self.score_total += result["score"]
        for f in result["findings"]:
            sev = f["severity"]
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + 1

    def to_dict(self) -> dict[str, Any]:
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


def score_stream(paths: Iterable[str], rubric: Rubric, *, fmt: str = "auto", read_options: ReadOptions | None = None,
                 summary: RunSummary | None = None, on_reject=None, select=(), ignore=(), jobs: int = 1,
                 hooks: bool = True) -> Iterator[dict[str, Any]]:
    """Yield a result per accepted conversation in input order, tallying ``summary``."""
    from qa.engine import compile_rubric, score_conversations
    from qa.plugins import registry

    summary = summary if summary is not None else RunSummary()
    compiled = compile_rubric(rubric, select=select, ignore=ignore)
    paths = list(paths)
    hook = registry().pm.hook
    if hooks:
        hook.qa_run_start(run={"rubric": rubric.ref(), "sources": paths,
                               "started_at": datetime.now(timezone.utc).isoformat()})
    convs = read_conversations(paths, fmt, read_options, stats=summary.read, on_reject=on_reject)
    if jobs and jobs > 1:
        from qa.executors import parallel_score

        results = parallel_score(convs, rubric, jobs=jobs, select=select, ignore=ignore)
    else:
        results = score_conversations(convs, compiled)
    for result in results:
        summary.add(result)
        if hooks:
            hook.qa_conversation_scored(result=result)
        yield result
    if hooks:
        hook.qa_run_end(summary=summary.to_dict())

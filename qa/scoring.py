"""Findings → conversation score. The arithmetic, in one place (documented in docs/scoring.md).

For each rule: ``deduction = min(points × findings, cap)`` where ``cap = max_points`` (default:
``points``, i.e. one deduction). Info rules deduct nothing.

For each section: ``deducted = min(weight, Σ rule deductions)``; a section whose rules are all not
applicable is itself not applicable and leaves the denominator. Rules without a section count
against an implicit section ``general`` of weight ``base``.

``score = base × Σ(weight − deducted) / Σ weight`` over applicable sections (``base`` when none is
applicable). Then fatal policy: with a critical finding, ``zero`` sets the score to 0, ``fail`` keeps
the score but fails the conversation, ``ignore`` does nothing special. ``passed = not fatal-failed and
score ≥ pass_mark``.

Properties (property-tested): 0 ≤ score ≤ base; adding a finding never raises the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.model import Finding
from qa.rubric.model import Rubric

GENERAL = "general"


@dataclass
class Score:
    score: float
    max_score: float
    passed: bool
    fatal: bool
    sections: dict[str, dict] = field(default_factory=dict)
    deductions: dict[str, float] = field(default_factory=dict)


def rule_deduction(points: float, cap: float, n_findings: int, severity: str) -> float:
    if severity == "info" or n_findings <= 0:
        return 0.0
    return min(points * n_findings, cap)


def score_findings(rubric: Rubric, findings: list[Finding], not_applicable: set[str],
                   overridden: set[int] | None = None) -> Score:
    """Compute the score; ``overridden`` holds indices of findings a reviewer marked wrong."""
    base = rubric.scoring.base
    counts: dict[str, int] = {}
    fatal = False
    for k, f in enumerate(findings):
        if overridden and k in overridden:
            continue
        counts[f.rule] = counts.get(f.rule, 0) + 1
        if f.severity == "critical":
            fatal = True
    weights = {s.id: s.weight for s in rubric.sections}
    titles = {s.id: s.title for s in rubric.sections}
    sec_deducted: dict[str, float] = {}
    sec_applicable: dict[str, bool] = {}
    deductions: dict[str, float] = {}
    for rule in rubric.active_rules:
        sec = rule.section or GENERAL
        if sec == GENERAL and GENERAL not in weights:
            weights[GENERAL] = base
            titles[GENERAL] = "General"
        applicable = rule.id not in not_applicable
        sec_applicable[sec] = sec_applicable.get(sec, False) or applicable
        if not applicable:
            continue
        d = rule_deduction(rule.points, rule.cap, counts.get(rule.id, 0), rule.severity)
        if d:
            deductions[rule.id] = d
            sec_deducted[sec] = sec_deducted.get(sec, 0.0) + d
    sections: dict[str, dict] = {}
    total_w = 0.0
    total_kept = 0.0
    for sec, w in weights.items():
        if not sec_applicable.get(sec, False):
            sections[sec] = {"title": titles.get(sec, sec), "score": None, "max": w, "applicable": False}
            continue
        lost = min(w, sec_deducted.get(sec, 0.0))
        sections[sec] = {"title": titles.get(sec, sec), "score": round(w - lost, 4), "max": w, "applicable": True}
        total_w += w
        total_kept += w - lost
    score = base * total_kept / total_w if total_w > 0 else base
    policy = rubric.scoring.fatal
    fatal_fail = fatal and policy in ("zero", "fail")
    if fatal and policy == "zero":
        score = 0.0
    score = max(0.0, min(base, round(score, 2)))  # clamp after rounding: round(1.375, 2) is 1.38
    passed = (not fatal_fail) and score >= rubric.scoring.pass_mark
    return Score(score, base, passed, fatal, sections, deductions)

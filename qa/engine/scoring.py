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
from qa.rules.rubric.model import Rubric

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


@dataclass(frozen=True)
class ScorePlan:
    """What scoring needs from a rubric, computed once per compiled rubric (scoring runs per conversation)."""

    base: float
    pass_mark: float
    fatal_policy: str
    sections: tuple[tuple[str, str, float], ...]            # (id, title, weight) in report order
    rules: tuple[tuple[str, str, float, float, str], ...]   # (id, section, points, cap, severity) of active rules


def score_plan(rubric: Rubric) -> ScorePlan:
    base = rubric.scoring.base
    sections = [(s.id, s.title, s.weight) for s in rubric.sections]
    known = {s.id for s in rubric.sections}
    rules = []
    for rule in rubric.active_rules:
        if not rule.report:
            continue  # a helper rule's findings feed other rules; it never scores
        sec = rule.section or GENERAL
        if sec not in known:  # only the implicit general section can be missing (the loader checks the rest)
            sections.append((sec, "General" if sec == GENERAL else sec, base))
            known.add(sec)
        rules.append((rule.id, sec, rule.points, rule.cap, rule.severity))
    return ScorePlan(base, rubric.scoring.pass_mark, rubric.scoring.fatal, tuple(sections), tuple(rules))


def score_findings(rubric: Rubric | None, findings: list[Finding], not_applicable: set[str],
                   overridden: set[int] | None = None, plan: ScorePlan | None = None) -> Score:
    """Compute the score; ``overridden`` holds indices of findings a reviewer marked wrong.

    ``plan`` (from :func:`score_plan`) saves re-reading the rubric when scoring many conversations.
    """
    if plan is None:
        plan = score_plan(rubric)
    base = plan.base
    if overridden:
        findings = [f for k, f in enumerate(findings) if k not in overridden]
    counts: dict[str, int] = {}
    fatal = False
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
        if f.severity == "critical":
            fatal = True
    sec_deducted: dict[str, float] = {}
    sec_applicable: set[str] = set()
    deductions: dict[str, float] = {}
    for rid, sec, points, cap, severity in plan.rules:
        if rid in not_applicable:
            continue
        sec_applicable.add(sec)
        n = counts.get(rid)
        if n:
            d = rule_deduction(points, cap, n, severity)
            if d:
                deductions[rid] = d
                sec_deducted[sec] = sec_deducted.get(sec, 0.0) + d
    sections: dict[str, dict] = {}
    total_w = 0.0
    total_kept = 0.0
    for sec, title, w in plan.sections:
        if sec not in sec_applicable:
            sections[sec] = {"title": title, "score": None, "max": w, "applicable": False}
            continue
        lost = min(w, sec_deducted.get(sec, 0.0))
        sections[sec] = {"title": title, "score": round(w - lost, 4), "max": w, "applicable": True}
        total_w += w
        total_kept += w - lost
    score = base * total_kept / total_w if total_w > 0 else base
    policy = plan.fatal_policy
    fatal_fail = fatal and policy in ("zero", "fail")
    if fatal and policy == "zero":
        score = 0.0
    score = max(0.0, min(base, round(score, 2)))  # clamp after rounding: round(1.375, 2) is 1.38
    passed = (not fatal_fail) and score >= plan.pass_mark
    return Score(score, base, passed, fatal, sections, deductions)

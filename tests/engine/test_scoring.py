"""The score arithmetic of docs/scoring.md: hand-checked cases and properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.engine.scoring import score_findings
from qa.model import SEVERITIES, Finding
from qa.rules.rubric.model import Rubric, Rule, Scoring, Section


def _rubric(rules, sections=(), base=100.0, pass_mark=80.0, fatal="zero"):
    return Rubric(id="t", version="1", title="t", language="zh", scoring=Scoring(base, pass_mark, fatal),
                  sections=[Section(s, s, w) for s, w in sections], rules=rules)


def _rule(rid, points=1.0, max_points=None, section=None, severity="minor"):
    return Rule(id=rid, checker="phrase", title=rid, points=points, max_points=max_points, section=section,
                severity=severity)


def _f(rule, severity="minor"):
    return Finding(rule=rule, checker="phrase", severity=severity, message="")


# -- hand-checked ------------------------------------------------------------------------------

def test_sections_weights_and_caps():
    rubric = _rubric([_rule("a", 5, 15, "etiquette"), _rule("b", 10, None, "etiquette"), _rule("c", 30, None, "process")],
                     sections=[("etiquette", 40), ("process", 60)])
    # a: 4 findings × 5 = 20 → capped at 15; b: 2 × 10 = 20 → capped at 10 (default cap = points)
    # etiquette loses min(40, 25) = 25 → 15/40; process loses 30 → 30/60; score = 100 × 45/100
    s = score_findings(rubric, [_f("a")] * 4 + [_f("b")] * 2 + [_f("c")], set())
    assert s.score == 45.0 and not s.passed and not s.fatal
    assert s.sections["etiquette"]["score"] == 15 and s.sections["process"]["score"] == 30
    assert s.deductions == {"a": 15, "b": 10, "c": 30}


def test_section_cap_limits_the_loss_to_its_weight():
    rubric = _rubric([_rule("a", 50, None, "s1"), _rule("b", 50, None, "s1")], sections=[("s1", 30), ("s2", 70)])
    rubric.rules.append(_rule("c", 1, None, "s2"))
    s = score_findings(rubric, [_f("a"), _f("b")], set())
    assert s.score == 70.0  # s1 loses its whole 30, no more


def test_not_applicable_section_leaves_the_denominator():
    rubric = _rubric([_rule("timing", 10, None, "speed"), _rule("ban", 10, None, "etiquette")],
                     sections=[("speed", 50), ("etiquette", 50)])
    s = score_findings(rubric, [_f("ban")], {"timing"})
    assert s.score == 80.0  # 100 × (50 − 10) / 50, speed not counted
    assert s.sections["speed"] == {"title": "speed", "score": None, "max": 50, "applicable": False}


def test_rules_without_section_count_in_general_of_weight_base():
    rubric = _rubric([_rule("a", 10)], base=10, pass_mark=5)
    assert score_findings(rubric, [_f("a")], set()).score == 0.0


def test_info_findings_deduct_nothing():
    rubric = _rubric([_rule("note", 10, severity="info")])
    s = score_findings(rubric, [_f("note", "info")] * 3, set())
    assert s.score == 100.0 and s.passed


@pytest.mark.parametrize("policy, score, passed", [("zero", 0.0, False), ("fail", 95.0, False), ("ignore", 95.0, True)])
def test_fatal_policies(policy, score, passed):
    rubric = _rubric([_rule("abuse", 5, severity="critical")], fatal=policy)
    s = score_findings(rubric, [_f("abuse", "critical")], set())
    assert (s.score, s.passed, s.fatal) == (score, passed, True)


def test_pass_mark_is_inclusive_and_overridden_findings_do_not_count():
    rubric = _rubric([_rule("a", 20, 40)])
    assert score_findings(rubric, [_f("a")], set()).passed  # 80 ≥ 80
    assert score_findings(rubric, [_f("a"), _f("a")], set(), overridden={1}).score == 80.0


def test_everything_not_applicable_scores_base():
    rubric = _rubric([_rule("a", 20)])
    s = score_findings(rubric, [], {"a"})
    assert s.score == 100.0 and s.passed


# -- properties --------------------------------------------------------------------------------

@st.composite
def cases(draw):
    n_sections = draw(st.integers(0, 3))
    sections = [(f"s{k}", draw(st.floats(1, 100, allow_nan=False))) for k in range(n_sections)]
    rules = []
    for k in range(draw(st.integers(1, 6))):
        points = draw(st.floats(0, 50, allow_nan=False))
        cap = draw(st.one_of(st.none(), st.floats(points, 100, allow_nan=False)))
        section = draw(st.sampled_from([None] + [s for s, _ in sections]))
        rules.append(_rule(f"r{k}", points, cap, section, draw(st.sampled_from(SEVERITIES))))
    base = draw(st.floats(1, 1000, allow_nan=False))
    rubric = _rubric(rules, sections, base=base, pass_mark=draw(st.floats(0, base)),
                     fatal=draw(st.sampled_from(["zero", "fail", "ignore"])))
    findings = [_f(r.id, r.severity) for r in rules for _ in range(draw(st.integers(0, 3)))]
    na = {r.id for r in rules if draw(st.booleans()) and not any(f.rule == r.id for f in findings)}
    return rubric, findings, na


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_score_within_bounds_and_adding_a_finding_never_raises_it(case, data):
    rubric, findings, na = case
    s = score_findings(rubric, findings, na)
    assert 0.0 <= s.score <= rubric.scoring.base
    assert s.passed == (s.score >= rubric.scoring.pass_mark and not (s.fatal and rubric.scoring.fatal != "ignore"))
    applicable = [r for r in rubric.rules if r.id not in na]
    if applicable:
        rule = data.draw(st.sampled_from(applicable))
        more = score_findings(rubric, findings + [_f(rule.id, rule.severity)], na)
        assert more.score <= s.score
        assert not (more.passed and not s.passed)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_a_not_applicable_section_is_the_same_as_no_section(case):
    rubric, findings, na = case
    extra = _rule("extra", 7, None, "na_section")
    with_na = _rubric(rubric.rules + [extra], [(s.id, s.weight) for s in rubric.sections] + [("na_section", 55)],
                      base=rubric.scoring.base, pass_mark=rubric.scoring.pass_mark, fatal=rubric.scoring.fatal)
    assert score_findings(with_na, findings, na | {"extra"}).score == score_findings(rubric, findings, na).score


def test_docs_worked_example_with_a_not_applicable_section():
    rubric = _rubric([_rule("a", 5, 15, "etiquette"), _rule("b", 10, None, "etiquette"), _rule("c", 30, None, "process")],
                     sections=[("etiquette", 40), ("process", 60)])
    assert score_findings(rubric, [_f("a")] * 4 + [_f("b")] * 2, {"c"}).score == 37.5

import pytest

from qa import rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn

RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: courtesy.greeting
    checker: required
    scope: {role: agent, first: 2, within_s: 10}
    phrases: [您好, 你好]
  - id: courtesy.closing
    checker: required
    scope: {role: agent, last: 1}
    all_of: [[再见, 祝您], [还有其他问题, 还有什么]]
    min_groups: 1
  - id: courtesy.apology
    checker: required
    scope: {role: agent}
    trigger: {phrases: [投诉, 太慢了], role: customer, unless: [不是投诉]}
    window: 1
    phrases: [抱歉, 对不起]
  - id: courtesy.verify
    checker: required
    scope: {role: agent}
    all_of: [[姓名], [手机号, 电话]]
"""


@pytest.fixture(scope="module")
def rubric():
    return rubric_from_text(RUBRIC, "t.yaml")


def _conv(*turns):
    out = []
    for t in turns:
        role, text, *start = t
        out.append(Turn(role, text, start=start[0] if start else None))
    return Conversation("c", out)


def _by_rule(r):
    got = {}
    for f in r["findings"]:
        got.setdefault(f["rule"], []).append((f["turn"], f["message"]))
    return got


def test_greeting_in_first_two_agent_turns(rubric):
    ok = score_conversation(_conv(("customer", "在吗"), ("agent", "在的"), ("agent", "您好，请讲")), rubric)
    late = score_conversation(_conv(("agent", "在的"), ("agent", "请讲"), ("agent", "您好")), rubric)
    assert "courtesy.greeting" not in _by_rule(ok)
    assert _by_rule(late)["courtesy.greeting"] == [
        (0, "courtesy.greeting: required phrase not found in the first 2 agent turn(s)")]


def test_greeting_within_seconds_where_times_exist(rubric):
    late = score_conversation(_conv(("agent", "喂", 0.0), ("agent", "您好", 14.5)), rubric)
    assert _by_rule(late)["courtesy.greeting"] == [
        (1, "courtesy.greeting: required phrase came at 14.5 s (turn 2), after the 10 s limit")]
    in_time = score_conversation(_conv(("agent", "喂", 0.0), ("agent", "您好", 8.0)), rubric)
    assert "courtesy.greeting" not in _by_rule(in_time)
    untimed = score_conversation(_conv(("agent", "喂"), ("agent", "您好")), rubric)
    assert "courtesy.greeting" not in _by_rule(untimed)


def test_closing_at_least_one_of_two_groups_in_last_turn(rubric):
    one = score_conversation(_conv(("agent", "您好"), ("agent", "请问还有其他问题吗")), rubric)
    none = score_conversation(_conv(("agent", "您好"), ("agent", "再见"), ("agent", "好的")), rubric)
    assert "courtesy.closing" not in _by_rule(one)
    assert [t for t, _ in _by_rule(none)["courtesy.closing"]] == [2]


def test_all_of_needs_every_group_possibly_in_different_turns(rubric):
    both = score_conversation(_conv(("agent", "您好，请提供姓名"), ("agent", "以及电话")), rubric)
    half = score_conversation(_conv(("agent", "您好，请提供姓名"), ("agent", "好的")), rubric)
    assert "courtesy.verify" not in _by_rule(both)
    assert "courtesy.verify" in _by_rule(half)


def test_trigger_requires_apology_in_the_next_agent_turn(rubric):
    r = score_conversation(_conv(("agent", "您好"), ("customer", "你们太慢了，我要投诉"), ("agent", "我查一下"),
                                 ("agent", "抱歉久等了")), rubric)
    # reported on the reply that should have apologised, pointing at the customer message that made it owed
    assert _by_rule(r)["courtesy.apology"] == [(2, "courtesy.apology: no required phrase after turn 2")]
    finding = next(f for f in r["findings"] if f["rule"] == "courtesy.apology")
    assert finding["extra"] == {"trigger_turn": 1, "trigger_evidence": "太慢了"}
    ok = score_conversation(_conv(("agent", "您好"), ("customer", "太慢了"), ("agent", "非常抱歉")), rubric)
    assert "courtesy.apology" not in _by_rule(ok)
    unanswered = score_conversation(_conv(("agent", "您好"), ("customer", "太慢了")), rubric)
    assert _by_rule(unanswered)["courtesy.apology"] == [(1, "courtesy.apology: no required phrase after turn 2")]


def test_trigger_role_and_unless(rubric):
    agent_says = score_conversation(_conv(("agent", "您好，投诉请拨打电话"), ("agent", "好的")), rubric)
    not_complaint = score_conversation(_conv(("agent", "您好"), ("customer", "我不是投诉，就问问"), ("agent", "好的")),
                                       rubric)
    for r in (agent_says, not_complaint):
        assert "courtesy.apology" in r["not_applicable"]
        assert r["not_applicable_reasons"]["courtesy.apology"] == "the trigger never occurred"


def test_no_agent_turns_makes_greeting_not_applicable(rubric):
    r = score_conversation(_conv(("customer", "在吗")), rubric)
    assert r["not_applicable_reasons"]["courtesy.greeting"] == "no agent turns in scope"


@pytest.mark.parametrize("body, expected", [
    ("    phrases: [a]\n    all_of: [[b]]\n", "x.yaml:4: rule 'r': give either 'phrases' or 'all_of'"),
    ("    all_of: [[b], [c]]\n    min_groups: 3\n",
     "x.yaml:7 [rules[0] (r).min_groups]: rule 'r': min_groups 3 needs all_of with at least 3 lists"),
    ("    phrases: [a]\n    trigger: {phrases: [x], rol: customer}\n", "x.yaml:7 [rules[0] (r).trigger]: rule 'r': unknown trigger key 'rol' — did you mean 'role'?"),
    ("    phrases: [a]\n    trigger: {phrases: [1, null]}\n",
     "x.yaml:7 [rules[0] (r).trigger.phrases]: rule 'r': trigger phrases must be a non-empty list of phrases"),
    ("    phrases: [a]\n    trigger: {phrases: [x], role: custmer}\n",
     "x.yaml:7 [rules[0] (r).trigger.role]: rule 'r': unknown trigger role 'custmer' — did you mean 'customer'?"),
])
def test_rule_errors(body, expected):
    with pytest.raises(RubricError) as e:
        rubric_from_text(f"id: t\nversion: 1\nrules:\n  - id: r\n    checker: required\n{body}", "x.yaml")
    assert str(e.value).startswith(expected)


def test_directions_before_and_around():
    rubric = rubric_from_text("""
id: t
version: "1"
rules:
  - id: before
    checker: required
    scope: {role: agent}
    trigger: {phrases: [久等了], role: agent}
    direction: before
    include_trigger_turn: false
    window: 1
    phrases: [请稍等]
  - id: around
    checker: required
    scope: {role: agent}
    trigger: {phrases: [查一下], role: agent}
    direction: around
    include_trigger_turn: false
    window: 1
    phrases: [稍等]
""", "t.yaml")
    ok = score_conversation(_conv(("agent", "请稍等"), ("customer", "好"), ("agent", "久等了")), rubric)
    assert "before" not in _by_rule(ok)
    late = score_conversation(_conv(("agent", "好的"), ("agent", "久等了，请稍等")), rubric)
    assert _by_rule(late)["before"] == [(1, "before: no required phrase before turn 2")]
    for turns in ([("agent", "稍等"), ("agent", "我查一下")], [("agent", "我查一下"), ("agent", "稍等")]):
        assert "around" not in _by_rule(score_conversation(_conv(*turns), rubric))
    far = score_conversation(_conv(("agent", "稍等"), ("agent", "好"), ("agent", "我查一下"), ("agent", "好")), rubric)
    assert _by_rule(far)["around"] == [(2, "around: no required phrase around turn 3")]


FINDINGS_RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: courtesy.apology                # defined before the rule it reads: the engine runs that one first
    checker: required
    scope: {role: agent}
    trigger: {findings: [tag:complaint, signal.chase], role: customer, unless: [我自己]}
    window: 1
    phrases: [抱歉]
  - id: complaint.words
    checker: phrase
    severity: info
    points: 0
    tags: [complaint]
    scope: {role: customer}
    phrases: [坏了, 太慢]
  - id: signal.chase
    checker: phrase
    severity: info
    points: 0
    scope: {role: customer}
    phrases: [人呢]
"""


def test_a_trigger_fires_on_other_rules_findings():
    from qa import compile_rubric

    rubric = rubric_from_text(FINDINGS_RUBRIC, "t.yaml")
    compiled = compile_rubric(rubric)
    order = [cr.rule.id for cr in compiled.rules]
    assert order.index("courtesy.apology") > max(order.index("complaint.words"), order.index("signal.chase"))
    r = score_conversation(_conv(("customer", "杯子坏了"), ("agent", "订单号多少")), rubric)
    [f] = [f for f in r["findings"] if f["rule"] == "courtesy.apology"]
    assert (f["turn"], f["extra"]) == (1, {"trigger_turn": 0, "trigger_evidence": "坏了",
                                            "trigger_rule": "complaint.words"})
    r = score_conversation(_conv(("customer", "在吗"), ("agent", "我查一下"), ("customer", "人呢"), ("agent", "好了")),
                           rubric)
    assert [(f["turn"], f["extra"]["trigger_rule"]) for f in r["findings"] if f["rule"] == "courtesy.apology"] == [
        (3, "signal.chase")]
    ok = score_conversation(_conv(("customer", "太慢了"), ("agent", "抱歉久等")), rubric)
    assert "courtesy.apology" not in _by_rule(ok)
    own = score_conversation(_conv(("customer", "我自己摔坏了"), ("agent", "好的")), rubric)
    assert own["not_applicable_reasons"]["courtesy.apology"] == "the trigger never occurred"


def test_a_rule_read_by_a_selected_rule_runs_without_being_reported():
    from qa import compile_rubric

    rubric = rubric_from_text(FINDINGS_RUBRIC, "t.yaml")
    compiled = compile_rubric(rubric, select=["courtesy.apology"])
    assert {cr.rule.id: cr.report for cr in compiled.rules} == {
        "complaint.words": False, "signal.chase": False, "courtesy.apology": True}
    r = score_conversation(_conv(("customer", "杯子坏了"), ("agent", "订单号多少")), compiled)
    assert [f["rule"] for f in r["findings"]] == ["courtesy.apology"]
    assert r["not_applicable"] == []


@pytest.mark.parametrize("rules, expected", [
    ("  - id: a\n    checker: required\n    phrases: [x]\n    trigger: {findings: [complaint.typs]}\n"
     "  - id: complaint.types\n    checker: phrase\n    phrases: [y]\n",
     "x.yaml:7 [rules[0] (a).trigger.findings]: rule 'a' reads the findings of 'complaint.typs', which names no "
     "rule — did you mean 'complaint.types'?"),
    ("  - id: a\n    checker: required\n    phrases: [x]\n    trigger: {findings: [b]}\n"
     "  - id: b\n    checker: required\n    phrases: [x]\n    trigger: {findings: [a]}\n",
     "x.yaml:7 [rules[0] (a).trigger.findings]: rules read each other's findings in a cycle: a → b → a"),
    ("  - id: a\n    checker: required\n    phrases: [x]\n    trigger: {findings: [a]}\n",
     "x.yaml:7 [rules[0] (a).trigger.findings]: rules read each other's findings in a cycle: a → a"),
    ("  - id: a\n    checker: required\n    phrases: [x]\n    trigger: {role: customer}\n",
     "x.yaml:7 [rules[0] (a).trigger]: rule 'a': a trigger needs phrases, findings or both"),
])
def test_dependency_errors(rules, expected):
    with pytest.raises(RubricError) as e:
        rubric_from_text(f"id: t\nversion: 1\nrules:\n{rules}", "x.yaml")
    assert str(e.value).startswith(expected)

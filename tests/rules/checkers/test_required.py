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
    assert _by_rule(r)["courtesy.apology"] == [(1, "courtesy.apology: no required phrase after turn 2")]
    ok = score_conversation(_conv(("agent", "您好"), ("customer", "太慢了"), ("agent", "非常抱歉")), rubric)
    assert "courtesy.apology" not in _by_rule(ok)


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

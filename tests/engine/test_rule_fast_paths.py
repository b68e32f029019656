"""Behaviour pinned by the per-conversation fast paths: shared scope lists, required windows, complaint hits."""

from qa import compile_rubric, rubric_from_text, score_conversation
from qa.engine.prepared import Prepared
from qa.model import Conversation, Turn
from qa.rules.rubric.model import Scope

SCOPES = """
id: t
version: "1"
language: zh
rules:
  - id: a
    checker: phrase
    scope: {role: agent}
    phrases: [不知道]
  - id: b
    checker: phrase
    scope: {role: agent}
    phrases: [没办法]
  - id: greet
    checker: required
    scope: {role: agent, first: 2, within_s: 10}
    phrases: [您好]
"""


def _conv(*turns):
    return Conversation("c", [Turn(role, text, start=start) for role, text, start in turns])


def test_alike_scopes_select_the_same_turns_and_within_s_still_applies():
    compiled = compile_rubric(rubric_from_text(SCOPES, "t.yaml"))
    rules = {cr.rule.id: cr.rule for cr in compiled.rules}
    p = Prepared(_conv(("agent", "在", 0.0), ("customer", "在吗", 1.0), ("agent", "您好", 12.0),
                       ("agent", "好的", 13.0)), compiled)
    assert p.turns_in_scope(rules["a"]) == p.turns_in_scope(rules["b"]) == [0, 2, 3]
    assert p.turns_in_scope(rules["greet"]) == [0]
    assert p.turns_in_scope(rules["greet"], timed=False) == [0, 2]
    # scopes are cached by identity, so each stays alive for the whole test (as a rubric's scopes do)
    listed, early, first = Scope(role=["agent"], last=1), Scope(role=("customer",), first=1, within_s=0.5), \
        Scope(role=("customer",), first=1)
    assert p.turns_in_scope(listed) == [3]  # a list of roles works like a tuple
    assert p.turns_in_scope(early) == []
    assert p.turns_in_scope(first) == [1]


def test_required_window_around_a_trigger_at_the_edges_of_the_scope():
    rubric = rubric_from_text("""
id: t
version: "1"
rules:
  - id: around
    checker: required
    scope: {role: agent}
    trigger: {phrases: [查一下], role: agent}
    direction: around
    include_trigger_turn: false
    window: 2
    phrases: [稍等]
  - id: after
    checker: required
    scope: {role: agent}
    trigger: {phrases: [投诉], role: customer}
    window: 2
    phrases: [抱歉]
""", "t.yaml")

    def by_rule(*turns):
        r = score_conversation(Conversation("c", [Turn(role, text) for role, text in turns]), rubric)
        return {f["rule"]: [x["turn"] for x in r["findings"] if x["rule"] == f["rule"]] for f in r["findings"]}

    assert by_rule(("agent", "我查一下"), ("agent", "好"), ("agent", "稍等")) == {}
    assert by_rule(("agent", "稍等"), ("agent", "好"), ("agent", "我查一下")) == {}
    assert by_rule(("agent", "稍等"), ("agent", "好"), ("agent", "好"), ("agent", "我查一下")) == {"around": [3]}
    # two complaints before one agent reply are answered (or not) once; a third agent turn is too late
    got = by_rule(("customer", "我要投诉"), ("customer", "投诉你们"), ("agent", "好"), ("agent", "嗯"),
                  ("agent", "抱歉"))
    assert got == {"after": [2]}  # on the first reply after the first complaint
    assert by_rule(("customer", "我要投诉"), ("agent", "好"), ("agent", "抱歉")) == {}


COMPLAINTS = """
id: t
version: "1"
language: zh
rules:
  - id: complaint.types
    checker: complaint-type
    scope: {role: customer}
    threshold: 1
    strong: 2
    cues: [投诉, 太差]
    negations: [没有]
    types:
      app: {title: App, keywords: {app: 2, 闪退: 2}}
      delay: {title: 物流, keywords: {还没到: 2}}
      refund: {title: 退款, keywords: {退款还没到: 2}}
"""


def _types(compiled, text):
    r = score_conversation(Conversation("c", [Turn("agent", "您好"), Turn("customer", text)]), compiled)
    return {e["type"]: [x["text"] for x in e["evidence"]] for e in r["labels"]["complaint_types"]}


def test_complaint_keywords_respect_word_edges_negation_and_longer_phrases():
    compiled = compile_rubric(rubric_from_text(COMPLAINTS, "t.yaml"))
    assert _types(compiled, "这个app又闪退了") == {"app": ["app", "闪退"]}
    assert _types(compiled, "happy 一点") == {}  # "app" inside an English word is no keyword
    assert _types(compiled, "没有闪退") == {}
    assert _types(compiled, "退款还没到，太差了") == {"refund": ["退款还没到", "太差"]}
    assert _types(compiled, "快递还没到") == {"delay": ["还没到"]}


def test_scope_cache_is_keyed_by_what_a_scope_selects_not_by_object_identity():
    from qa import compile_rubric, rubric_from_text
    from qa.engine.prepared import Prepared
    from qa.model import Conversation, Turn
    from qa.rules.rubric.model import Scope

    compiled = compile_rubric(rubric_from_text("id: t\nversion: '1'\nrules: []\n", "t.yaml"))
    p = Prepared(Conversation("c", [Turn("customer", "a"), Turn("agent", "b"), Turn("agent", "c")]), compiled)
    for _ in range(200):  # short-lived scopes: a freed one's id is reused by the next
        assert p.turns_in_scope(Scope(role=("agent",), first=1)) == [1]
        assert p.turns_in_scope(Scope(role=("agent",), last=1)) == [2]
        assert p.scope_set(Scope(role=["customer"])) == frozenset({0})

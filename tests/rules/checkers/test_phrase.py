import pytest

from qa import rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn

RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: ban.refusal
    checker: phrase
    scope: {role: agent}
    points: 5
    max_points: 10
    phrases: [我不能, 不能, 办不了]
  - id: ban.whole
    checker: phrase
    whole_turn: true
    phrases: [嗯]
  - id: ban.capped
    checker: phrase
    max_per_turn: 1
    phrases: [亲]
"""


def _conv(*turns):
    return Conversation("c", [Turn(r, t) for r, t in turns])


def _findings(result, rule):
    return [(f["turn"], tuple(f["span"]), f["evidence"]) for f in result["findings"] if f["rule"] == rule]


@pytest.fixture(scope="module")
def rubric():
    return rubric_from_text(RUBRIC, "t.yaml")


def test_longest_match_wins_and_every_occurrence_is_reported(rubric):
    r = score_conversation(_conv(("agent", "这个我不能办，那个也不能，真办不了")), rubric)
    assert _findings(r, "ban.refusal") == [(0, (2, 5), "我不能"), (0, (10, 12), "不能"), (0, (14, 17), "办不了")]
    assert r["score"] == 90.0  # 3 × 5 points capped at max_points 10


def test_role_scope_ignores_customer_turns(rubric):
    r = score_conversation(_conv(("customer", "我不能等了"), ("agent", "好的")), rubric)
    assert _findings(r, "ban.refusal") == []


def test_spans_point_into_the_input_text_after_normalisation(rubric):
    # traditional characters and full-width spaces are normalised for matching; the span is in the input
    r = score_conversation(_conv(("agent", "　　這個我不能處理")), rubric)
    [(turn, span, ev)] = _findings(r, "ban.refusal")
    assert ev == "我不能" and span == (4, 7)


def test_whole_turn_only_flags_a_turn_that_is_just_the_phrase(rubric):
    r = score_conversation(_conv(("agent", "嗯。"), ("agent", "嗯，我看一下")), rubric)
    assert _findings(r, "ban.whole") == [(0, (0, 1), "嗯")]


def test_max_per_turn(rubric):
    r = score_conversation(_conv(("agent", "亲，亲亲"), ("agent", "亲")), rubric)
    assert [t for t, _, _ in _findings(r, "ban.capped")] == [0, 1]


def test_empty_phrase_is_a_rubric_error():
    with pytest.raises(RubricError) as e:
        rubric_from_text("id: t\nversion: 1\nrules:\n  - id: a\n    checker: phrase\n    phrases:\n      - 好\n"
                         "      - ' '\n", "x.yaml")
    assert str(e.value).startswith("x.yaml:8 [rules[0] (a).phrases[1]]: rule 'a': phrase 1 is empty")


def test_message_template():
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n"
                              "  - {id: a, checker: phrase, title: 禁语, phrases: [不行], message: '{title}：请勿说“{evidence}”'}\n"
                              "  - {id: b, checker: phrase, phrases: [不行], message: '请勿说{evidnce}'}\n"
                              "  - {id: c, checker: required, phrases: [您好], message: '{rule}: {message}'}\n", "t.yaml")
    r = score_conversation(_conv(("agent", "不行")), rubric)
    assert [(f["rule"], f["message"]) for f in r["findings"]] == [
        ("c", "c: c: required phrase not found in turn(s)"), ("a", "禁语：请勿说“不行”"), ("b", "请勿说{evidnce}")]

"""Each ``unless`` exception, with the spans it keeps and the ones it cancels."""

import pytest

from qa import rubric_from_text, score_conversation
from qa.model import Conversation, Turn

RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: preceded
    checker: phrase
    phrases: [不能]
    unless: {preceded_by: [如果], window: 4}
  - id: followed
    checker: phrase
    phrases: [不能]
    unless: {followed_by: [建议您], window: 5}
  - id: sentence
    checker: phrase
    phrases: [不能]
    unless: {same_sentence: [抱歉]}
  - id: turn
    checker: phrase
    phrases: [不能]
    unless: {same_turn: [为您申请]}
  - id: regex
    checker: phrase
    phrases: [不能]
    unless: {regex: ['^不能\\?$']}
  - id: next
    checker: phrase
    scope: {role: agent}
    phrases: [不能]
    unless: {next_turn: [可以帮您]}
  - id: prev
    checker: phrase
    scope: {role: agent}
    phrases: [不能]
    unless: {prev_turn: [能不能]}
  - id: overlap
    checker: phrase
    phrases: [不知道]
    unless: {followed_by: [不知道您还有]}
"""


@pytest.fixture(scope="module")
def rubric():
    return rubric_from_text(RUBRIC, "t.yaml")


def _spans(rubric, rule, *turns):
    conv = Conversation("c", [Turn(*t) if isinstance(t, tuple) else Turn("agent", t) for t in turns])
    r = score_conversation(conv, rubric)
    return [(f["turn"], tuple(f["span"])) for f in r["findings"] if f["rule"] == rule]


def test_preceded_by_within_window_only(rubric):
    assert _spans(rubric, "preceded", "如果不能到货") == []
    assert _spans(rubric, "preceded", "如果您不能来") == []          # 如果 ends 2 chars before, starts 4 before
    assert _spans(rubric, "preceded", "如果您今天不能来") == [(0, (5, 7))]  # 如果 starts 5 chars before: outside
    assert _spans(rubric, "preceded", "不能，如果") == [(0, (0, 2))]  # after the match does not count


def test_followed_by_within_window_only(rubric):
    assert _spans(rubric, "followed", "这个不能退，建议您换货") == []  # 建议您 ends 5 chars after the match
    assert _spans(rubric, "followed", "这个不能退换，但是我们建议您换货") == [(0, (2, 4))]
    assert _spans(rubric, "followed", "建议您这个不能") == [(0, (5, 7))]  # before the match does not count


def test_same_sentence_stops_at_sentence_ends(rubric):
    assert _spans(rubric, "sentence", "抱歉，这个不能退。") == []
    assert _spans(rubric, "sentence", "抱歉。这个不能退") == [(0, (5, 7))]
    assert _spans(rubric, "sentence", "这个不能退！抱歉") == [(0, (2, 4))]   # full-width ！ ends the sentence


def test_same_turn_anywhere_in_the_turn(rubric):
    assert _spans(rubric, "turn", "这个不能退。不过我可以为您申请补偿") == []
    assert _spans(rubric, "turn", "这个不能退", "我可以为您申请补偿") == [(0, (2, 4))]


def test_regex_on_the_normalised_turn(rubric):
    assert _spans(rubric, "regex", "不能？") == []   # full-width ？ normalises to ?
    assert _spans(rubric, "regex", "不能吗？") == [(0, (0, 2))]


def test_next_turn_of_the_same_speaker(rubric):
    assert _spans(rubric, "next", "这个不能改", ("customer", "啊？"), "不过我可以帮您退款") == []
    assert _spans(rubric, "next", "这个不能改", ("customer", "我可以帮您"), "好的") == [(0, (2, 4))]
    assert _spans(rubric, "next", "这个不能改") == [(0, (2, 4))]


def test_prev_turn_of_the_other_party(rubric):
    assert _spans(rubric, "prev", ("customer", "能不能改地址"), "不能，已经发货了") == []
    assert _spans(rubric, "prev", ("customer", "能不能改地址"), "稍等", "不能改") == []  # nearest customer turn
    assert _spans(rubric, "prev", ("customer", "改地址"), "不能") == [(1, (0, 2))]
    assert _spans(rubric, "prev", "能不能", "不能") == [(0, (1, 3)), (1, (0, 2))]  # own turns do not count


def test_exception_phrase_that_contains_the_match(rubric):
    assert _spans(rubric, "overlap", "不知道您还有其他问题吗") == []
    assert _spans(rubric, "overlap", "我不知道") == [(0, (1, 4))]


def test_only_the_excepted_occurrence_is_dropped(rubric):
    assert _spans(rubric, "sentence", "抱歉，这个不能退。那个也不能换") == [(0, (12, 14))]

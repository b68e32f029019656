"""`unless` kinds that read the shape of the text rather than words: a question, an answer to a question, a statement
the match rests on; and `in_reply_to`, a condition on the message a finding answers."""

import pytest

from qa import compile_rubric, rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn


def rubric(unless: str = "", extra: str = ""):
    return rubric_from_text(f"""id: t
version: 1
language: zh
lexicons:
  address: [亲, 亲爱的, 客官]
  request: [帮我, 给我, 我能, 我可以]
  product_use: [使用, 充电, 能用]
rules:
  - id: ban.refusal
    checker: phrase
    scope: {{role: agent}}
    phrases: [不能, 不可以, 不行]
{unless}
{extra}
""", "t.yaml")


def found(r, *turns):
    conv = Conversation("c", [Turn(role, text) for role, text in turns], language="zh")
    return [(f["turn"], f["evidence"]) for f in score_conversation(conv, r)["findings"]]


def test_question_cancels_a_negative_inside_a_question():
    r = rubric("    unless: {question: true}")
    assert found(r, ("agent", "是不能开机吗？")) == []          # restating the problem
    assert found(r, ("agent", "这个不能用吗亲")) == []            # a final question particle before an address
    assert found(r, ("agent", "能不能帮您改一下")) == []          # the negative half of an A-not-A question
    assert found(r, ("agent", "这个不能用不")) == []              # a colloquial final 不
    assert found(r, ("agent", "不能的哦 您看可以吗")) == [(0, "不能")]  # the question is another clause
    assert found(r, ("agent", "不可以的呢")) == [(0, "不可以")]


def test_answers_question_about_a_product_but_not_a_request():
    r = rubric("    unless: {answers_question: {about: [$product_use], unless: [$request]}}")
    assert found(r, ("customer", "充电时可以使用吗？"), ("agent", "不可以的")) == []
    assert found(r, ("customer", "能帮我把充电器换了吗"), ("agent", "不可以的")) == [(1, "不可以")]
    assert found(r, ("customer", "我买完拿去实体店验可以吗"), ("agent", "不能的哦")) == [(1, "不能")]
    assert found(r, ("customer", "充电器可以使用"), ("agent", "不可以的")) == [(1, "不可以")]  # not a question
    plain = rubric("    unless: {answers_question: true}")
    assert found(plain, ("customer", "今天发货吗"), ("agent", "今天不能发货")) == []


def test_follows_statement_skips_greetings_and_questions():
    r = rubric("    unless: {follows_statement: {skip: [$address, 您好]}}")
    assert found(r, ("agent", "出厂都是按订单的呢 小妹这边不能修改订单")) == []
    assert found(r, ("agent", "这款是定制的，不能换颜色")) == []
    assert found(r, ("agent", "小店默认发邮政哦今天不能发")) == []  # a particle followed by more text ends a clause
    assert found(r, ("agent", "客官 不可以的哦")) == [(0, "不可以")]
    assert found(r, ("agent", "您好，不行哦")) == [(0, "不行")]
    assert found(r, ("agent", "您是要改地址吗？不能的哦")) == [(0, "不能")]  # a question states nothing


@pytest.mark.parametrize("unless, message", [
    ("    unless: {question: yes please}",
     "t.yaml:13 [rules[0] (ban.refusal).unless.question]: question must be true or false"),
    ("    unless: {answers_question: {about: [x], unles: [y]}}",
     "t.yaml:13 [rules[0] (ban.refusal).unless.answers_question.unles]: unknown key 'unles' — did you mean 'unless'?"),
    ("    unless: {follows_statement: 3}",
     "t.yaml:13 [rules[0] (ban.refusal).unless.follows_statement]: follows_statement must be true, false or {skip: "
     "[phrases]}"),
])
def test_unless_shape_errors(unless, message):
    with pytest.raises(RubricError) as exc:
        rubric(unless)
    assert str(exc.value) == message


REPLY = """  - id: complaint.words
    checker: phrase
    severity: info
    points: 0
    tags: [complaint]
    scope: {role: customer}
    phrases: [太慢, 还没到]
  - id: ban.brush_off
    checker: phrase
    scope: {role: agent}
    phrases: [放心, 耐心等待]
    in_reply_to: {findings: [tag:complaint], phrases: [丢了]}
"""


def test_in_reply_to_keeps_a_finding_only_after_such_a_message():
    r = rubric(extra=REPLY)
    assert [f for f in found(r, ("customer", "怎么还没到，太慢了"), ("agent", "您放心")) if f[1] == "放心"] == [(1, "放心")]
    assert found(r, ("customer", "包裹丢了"), ("agent", "请耐心等待")) == [(1, "耐心等待")]
    assert found(r, ("customer", "这个好用吗"), ("agent", "很好用，您放心")) == []
    # the nearest customer message counts, not an earlier one
    assert found(r, ("customer", "太慢了"), ("agent", "抱歉"), ("customer", "好吧"), ("agent", "您放心")) == [(0, "太慢")]
    order = [cr.rule.id for cr in compile_rubric(r).rules]
    assert order.index("complaint.words") < order.index("ban.brush_off")


def test_in_reply_to_names_rules_that_exist():
    with pytest.raises(RubricError) as exc:
        rubric(extra=REPLY.replace("tag:complaint", "complaint.word"))
    assert "reads the findings of 'complaint.word', which names no rule — did you mean 'complaint.words'?" in str(
        exc.value)


def test_a_helper_rule_feeds_others_but_is_not_reported_or_scored():
    r = rubric(extra=REPLY.replace("    severity: info\n    points: 0\n", "    points: 5\n    report: false\n"))
    conv = Conversation("c", [Turn("customer", "太慢了"), Turn("agent", "您放心")], language="zh")
    result = score_conversation(conv, r)
    assert [f["rule"] for f in result["findings"]] == ["ban.brush_off"]
    assert result["score"] == 99.0  # ban.brush_off's one point only; the helper deducts nothing
    assert [f["rule"] for f in score_conversation(conv, compile_rubric(r, report_all=True))["findings"]] == [
        "complaint.words", "ban.brush_off"]

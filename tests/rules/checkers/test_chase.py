"""``chase``: the customer chasing after being kept waiting."""

import pytest

from qa import rubric_from_text, score_conversation
from qa.model import Conversation, Turn

RUBRIC = rubric_from_text("""id: t
version: 1
language: zh
rules:
  - id: signal.chase
    checker: chase
    severity: info
    points: 0
    scope: {role: customer}
    phrases: [在吗, 人呢, 查到了吗, "??"]
    skip: [您好, 亲]
    pending: [稍等]
    min_wait_s: 60
""", "t.yaml")


def chases(*turns):
    conv = Conversation("c", [Turn(t[0], t[1], start=t[2] if len(t) > 2 else None,
                                   end=t[2] + 1 if len(t) > 2 else None) for t in turns], language="zh")
    return [(f["turn"], f["evidence"]) for f in score_conversation(conv, RUBRIC)["findings"]]


@pytest.mark.parametrize("turns, expected", [
    # the customer wrote, waited, and chased in the same (merged) turn
    ([("customer", "我的快递到哪了 在吗")], [(0, "在吗")]),
    # two customer turns in a row
    ([("customer", "退款什么时候到"), ("customer", "??")], [(1, "??")]),
    # after the agent asked them to wait
    ([("agent", "我帮您查一下，请稍等"), ("customer", "人呢")], [(1, "人呢")]),
    # with times: long after the agent's last turn
    ([("agent", "好的", 0.0), ("customer", "在吗", 300.0)], [(1, "在吗")]),
    ([("agent", "好的", 0.0), ("customer", "在吗", 20.0)], []),
    # a new message after an answered question is not a chase
    ([("agent", "订单已经发货了"), ("customer", "在吗 还有个问题")], []),
    # greetings before it do not count as something written
    ([("customer", "您好 在吗")], []),
    # not standing on its own: asking for the agent, stressing a question
    ([("agent", "还有其他问题吗"), ("customer", "客服在吗")], []),
    ([("customer", "今天能发货吗???")], []),
    # one finding per turn
    ([("customer", "在吗 在吗 人呢")], [(0, "在吗")]),
])
def test_when_a_chase_counts(turns, expected):
    assert chases(*turns) == expected

"""complaint-type reading conversations (complaints-zh 2.0): each kind of implicit complaint from the labelling
guideline, the evidence message, and what is not a complaint (requests, suppositions, the customer's own doing)."""

import pytest

from qa import build_rubric, compile_rubric, load_rubric, score_conversation
from qa.model import Conversation, Turn


@pytest.fixture(scope="module")
def zh():
    return compile_rubric(load_rubric("complaints-zh"))


def chat(*turns):
    """``"C:…"`` / ``"A:…"`` strings as a conversation (the customer by default)."""
    out = []
    for t in turns:
        role, text = ("agent", t[2:]) if t.startswith("A:") else ("customer", t[2:] if t.startswith("C:") else t)
        out.append(Turn(role, text))
    return Conversation("c", out, language="zh")


def labels(compiled, *turns):
    return {e["type"]: e for e in score_conversation(chat(*turns), compiled)["labels"]["complaint_types"]}


@pytest.mark.parametrize("text, kind", [
    ("我前天刚下单，今天就降了两百，差价得退给我吧", "fees"),                 # price drop → the difference demanded
    ("降价了，能申请价保吗？", "fees"),                                    # … even asked as a question (decision)
    ("退货的运费怎么从我退款里扣了？我没同意", "fees"),                     # a disputed deduction
    ("新买的耳机左边没声音", "product_quality"),                           # a defect stated as a fact
    ("订的是黑色，寄来的是白色的，发错了", "product_quality"),               # a wrong item
    ("买了两盒只收到一盒", "product_quality"),                              # a missing item
    ("派件的一直不接电话，打了五六次了", "service_attitude"),                # the courier never answers
    ("我问他在哪，他说了两句就把电话挂了", "service_attitude"),              # … or hung up
    ("售后说人为损坏不给保修，可我根本没摔过", "refund_return"),             # after-sales refused
    ("退货申请了三次都被驳回了", "refund_return"),
    ("物流信息一直不更新", "logistics_delay"),                             # a subject + a failure predicate
    ("上次修改的发票有一单没改过来", "other"),
    ("为什么还是预约发货 没有物流信息?", "logistics_delay"),                 # a why-question presupposes it
])
def test_each_implicit_complaint_kind_is_found(zh, text, kind):
    assert kind in labels(zh, text)


@pytest.mark.parametrize("text", [
    "怎么退货？", "能改地址吗？", "什么时候发货？", "今天能送到吗",                 # plain questions and requests
    "价保是怎么算的？", "手机保价周期多久",                                   # how price protection works
    "东西没有坏，谢谢", "没有多收运费",                                       # negated
    "这个会不会坏？", "如果收到是坏的怎么办", "万一没收到怎么办",                # suppositions
    "发票信息我填错了，能帮我改一下吗", "屏幕是我自己摔坏的，能修吗",            # the customer's own doing
    "哦取消不了是吧",                                                        # a question by its ending
])
def test_questions_suppositions_and_own_doing_are_not_complaints(zh, text):
    assert labels(zh, text) == {}


def test_the_evidence_turn_is_the_first_customer_message_that_shows_the_type(zh):
    found = labels(zh, "你好", "A:您好，请问有什么可以帮您", "我的快递怎么还没到", "A:帮您查询一下",
                   "都三天了还没到，太慢了")
    e = found["logistics_delay"]
    assert e["turn"] == 2 and e["evidence"][0]["turn"] == 2
    assert e["confidence"] > 0.5


def test_a_third_chase_while_waiting_is_a_complaint_typed_by_the_matter_chased(zh):
    turns = ["帮我看下订单什么时候发货", "A:请您稍等，正在查询", "在吗", "A:稍等哦", "人呢？？查到了吗"]
    found = labels(zh, *turns)
    assert set(found) == {"logistics_delay"} and found["logistics_delay"]["turn"] == 4
    assert {e["kind"] for e in found["logistics_delay"]["evidence"]} == {"chase"}
    # a single chase is not a complaint
    assert labels(zh, *turns[:3]) == {}


def test_untyped_dissatisfaction_takes_the_type_of_the_matter_talked_about(zh):
    found = labels(zh, "我九江的", "A:您的订单预计明天送达", "瞎扯淡")
    assert set(found) == {"logistics_delay"} and found["logistics_delay"]["turn"] == 2
    assert set(labels(zh, "我要投诉你们")) == {"other"}


def test_a_failure_with_no_subject_counts_with_a_cue_and_joins_the_matter(zh):
    # 还没打印 names no type; with 怎么到今天还 the customer complains about the invoice talked about
    found = labels(zh, "小米电视的发票给我安排了吗", "A:帮您联系财务打印", "上次就说帮我安排打印 怎么到今天还没打印")
    assert set(found) == {"other"} and found["other"]["turn"] == 2
    assert labels(zh, "我还没收过货") == {}


def test_structure_options_are_checked():
    from qa.errors import RubricError

    rule = {"id": "c", "checker": "complaint-type", "points": 0, "types": {"fees": {"keywords": ["运费"]}},
            "structure": {"repat": {"weight": 1}}}
    with pytest.raises(RubricError) as ei:
        build_rubric({"id": "t", "version": "1", "language": "zh", "rules": [rule]}, "inline.yaml")
    assert ei.value.field == "c.structure.repat" and "repeat" in str(ei.value)
    rule["structure"] = {}
    rule["types"]["fees"]["patterns"] = {"(运费": 2}
    with pytest.raises(RubricError, match="not a valid regular expression") as ei:
        build_rubric({"id": "t", "version": "1", "language": "zh", "rules": [rule]}, "inline.yaml")
    assert ei.value.field == "c.types.fees.patterns"


def test_repeated_request_after_an_answer_is_a_cue():
    from qa.classify.structure import chases, repeats

    turns = [("customer", "我的发票什么时候能开好"), ("agent", "财务正在处理"), ("customer", "我的发票什么时候能开好啊"),
             ("customer", "在吗")]
    sig = repeats(turns, {0, 2, 3}, min_chars=6, min_similarity=0.6)
    assert [(s.turn, s.count, s.refers_to) for s in sig] == [(2, 2, 0)]
    # sent twice in a row without an answer is a double send, not a repeated request
    assert repeats([turns[0], turns[0]], {0, 1}, min_chars=6, min_similarity=0.6) == []
    ch = chases(turns, {0, 2, 3}, lambda m: m.strip("?？") in {"在吗"}, lambda i: False)
    assert [(s.turn, s.count) for s in ch] == [(3, 1)]

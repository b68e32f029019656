import json

import pytest

from qa import read_records
from qa.model import Reject

from .timing_helpers import call, chat, na_reason, score

T = "2026-11-02T10:"


def test_each_burst_waits_from_its_first_message():
    turns = [chat("customer", "我的退款怎么还没到账", T + "00:00+08:00"), chat("customer", "都五天了", T + "00:10+08:00"),
             chat("agent", "亲，请稍等，我帮您查询一下", T + "00:26+08:00"),
             chat("customer", "好", T + "00:30+08:00"), chat("agent", "查到了，明天到账", T + "00:45+08:00")]
    [f], res = score("reply_wait", turns, max_s=20)
    assert f["turn"] == 2 and f["time"] == 0.0 and f["extra"]["wait_s"] == 26.0
    assert f["extra"]["customer_turn"] == 0 and f["extra"]["customer_turns"] == 2 and f["evidence"] == "我的退款怎么还没到账"
    assert res["metrics"]["reply_wait_max_s"] == 26.0 and res["metrics"]["reply_wait_mean_s"] == 20.5
    assert res["metrics"]["replies"] == 2 and res["metrics"]["reply_unanswered"] == 0
    found, res = score("reply_wait", turns, max_s=20, measure_from="last")
    assert found == [] and res["metrics"]["reply_wait_max_s"] == 16.0


def test_simultaneous_timestamps_and_time_zones():
    turns = [chat("customer", "在吗", "2026-11-02T10:00:00+08:00"), chat("agent", "在的", "2026-11-02T02:00:00Z"),
             chat("customer", "发票开了吗", "2026-11-02T02:00:05+00:00"),
             chat("agent", "开好了，已发邮箱", "2026-11-02T11:00:30+09:00")]
    found, res = score("reply_wait", turns, max_s=20)
    assert res["metrics"]["reply_wait_max_s"] == 25.0 and res["metrics"]["reply_wait_mean_s"] == 12.5
    assert [f["extra"]["wait_s"] for f in found] == [25.0]


def test_bot_and_system_neither_answer_nor_break_a_burst():
    turns = [chat("customer", "在吗", T + "00:00+08:00"), chat("bot", "您好，客服马上到", T + "00:01+08:00"),
             chat("customer", "快递丢了", T + "00:08+08:00"), chat("agent", "您好，我来帮您查", T + "00:40+08:00")]
    [f], _ = score("reply_wait", turns, max_s=20)
    assert f["extra"]["wait_s"] == 40.0 and f["extra"]["customer_turns"] == 2
    [f], res = score("reply_wait", turns, max_s=20, answer_roles=["agent", "bot"])  # the bot answered turn 0
    assert f["extra"]["wait_s"] == 32.0 and f["extra"]["customer_turn"] == 2
    assert res["metrics"]["reply_wait_mean_s"] == 16.5 and res["metrics"]["replies"] == 2


def test_missing_times_skip_only_the_bursts_they_touch():
    turns = [chat("customer", "在吗", T + "00:00+08:00"), chat("agent", "在的"),
             chat("customer", "怎么退货", T + "01:00+08:00"), chat("agent", "订单页申请售后就行", T + "01:30+08:00")]
    [f], res = score("reply_wait", turns, max_s=20)
    assert res["metrics"]["replies"] == 1 and f["turn"] == 3 and f["extra"]["wait_s"] == 30.0
    _, res = score("reply_wait", [chat("customer", "在吗", T + "00:00+08:00"), chat("agent", "在的")])
    assert na_reason(res, "reply_wait") == "no customer turn and its reply both have times"


def test_customer_never_answered_and_agent_never_replied():
    _, res = score("reply_wait", [chat("agent", "您好，请问还在吗", T + "00:00+08:00")])
    assert na_reason(res, "reply_wait") == "the customer never wrote or spoke"
    _, res = score("reply_wait", [chat("customer", "在吗", T + "00:00+08:00")])
    assert na_reason(res, "reply_wait") == "no agent reply followed the customer"
    found, res = score("reply_wait", [chat("customer", "在吗", T + "00:00+08:00"),
                                      chat("agent", "在的", T + "00:05+08:00"),
                                      chat("customer", "好的谢谢", T + "00:20+08:00")])
    assert found == [] and res["metrics"]["reply_unanswered"] == 1 and res["metrics"]["replies"] == 1


def test_calls_wait_from_the_end_of_the_customers_speech():
    turns = [call("customer", "my debit card", 34.92, 36.09), call("agent", "is there anything else", 36.139, 38.539),
             call("customer", "no that was going to be it", 42.49, 44.32),
             call("agent", "thank you for calling", 43.639, 45.499)]
    found, res = score("reply_wait", turns, channel="call", language="en", max_s=20)
    assert found == [] and res["metrics"]["reply_wait_max_s"] == 0.049
    assert res["metrics"]["reply_wait_mean_s"] == pytest.approx(0.0245, abs=0.001)


def test_clock_going_backwards_is_rejected_by_validation(tmp_path):
    rec = {"id": "back", "turns": [{"role": "customer", "text": "在吗", "ts": T + "00:10+08:00"},
                                   {"role": "agent", "text": "在的", "ts": T + "00:05+08:00"}]}
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    [rej] = list(read_records([str(p)]))
    assert isinstance(rej, Reject) and rej.field == "turns[1].ts" and rej.source.line == 1
    assert "time goes backwards" in rej.reason


def test_chat_placeholders_like_images_are_messages():
    turns = [chat("customer", "[图片]", T + "00:00+08:00"), chat("agent", "亲，图片收到了，这边帮您登记", T + "00:30+08:00")]
    [f], _ = score("reply_wait", turns, max_s=20)
    assert f["extra"]["wait_s"] == 30.0 and f["evidence"] == "[图片]"

from .timing_helpers import call, chat, na_reason, score

T0 = "2026-11-02T10:00:"


def test_first_response_from_the_customers_first_message():
    turns = [chat("customer", "在吗", T0 + "00+08:00"), chat("customer", "我的快递到哪了", T0 + "05+08:00"),
             chat("agent", "您好，请提供订单号", T0 + "31+08:00")]
    [f], res = score("first_response", turns, max_s=15)
    assert res["metrics"]["first_response_s"] == 31.0
    assert f["turn"] == 2 and f["time"] == 0.0 and f["extra"] == {"wait_s": 31.0, "customer_turn": 0}
    assert "timing.first_response" in f["tags"] and "31.0 s" in f["message"]


def test_bot_does_not_count_unless_configured_and_time_zones_mix():
    turns = [chat("customer", "在吗", "2026-11-02T10:00:00+08:00"),
             chat("bot", "您好，客服马上到", "2026-11-02T02:00:01Z"),
             chat("agent", "您好，在的", "2026-11-02T02:00:20Z")]
    [f], res = score("first_response", turns, max_s=15)
    assert res["metrics"]["first_response_s"] == 20.0 and f["turn"] == 2
    found, res = score("first_response", turns, max_s=15, answer_roles=["agent", "bot"])
    assert found == [] and res["metrics"]["first_response_s"] == 1.0


def test_agent_speaks_first_is_zero_and_from_start_uses_started_at():
    turns = [chat("agent", "您好，欢迎光临", T0 + "10+08:00"), chat("customer", "想问下发货时间", T0 + "40+08:00")]
    found, res = score("first_response", turns, max_s=15)
    assert found == [] and res["metrics"]["first_response_s"] == 0.0
    [f], res = score("first_response", turns, max_s=5, top={"started_at": T0 + "00+08:00"}, **{"from": "start"})
    assert res["metrics"]["first_response_s"] == 10.0 and f["turn"] == 0


def test_never_answered_is_a_finding_and_no_customer_is_not_applicable():
    [f], res = score("first_response", [chat("customer", "在吗", T0 + "00+08:00"),
                                        chat("customer", "人呢", T0 + "50+08:00")], max_s=15)
    assert f["turn"] == 0 and f["extra"] == {"unanswered": True} and "first_response_s" not in res["metrics"]
    _, res = score("first_response", [chat("agent", "您好，请问还在吗", T0 + "00+08:00")])
    assert na_reason(res, "first_response") == "the customer never wrote or spoke"


def test_missing_times_are_not_applicable_with_the_turn():
    _, res = score("first_response", [chat("customer", "在吗"), chat("agent", "在的", T0 + "09+08:00")])
    assert na_reason(res, "first_response") == "the customer's first turn (turn 1) has no time"
    _, res = score("first_response", [chat("customer", "在吗", T0 + "00+08:00"), chat("agent", "在的")])
    assert na_reason(res, "first_response") == "the agent's first turn (turn 2) has no time"
    _, res = score("first_response", [chat("customer", "在吗"), chat("agent", "在的")])
    assert na_reason(res, "first_response") == "no turn has a time (ts or start)"


def test_calls_measure_from_call_start():
    turns = [call("customer", "hello?", 4.0, 5.0), call("agent", "hello this is harper valley bank", 18.5, 20.0)]
    [f], res = score("first_response", turns, channel="call", language="en", max_s=15, **{"from": "start"})
    assert res["metrics"]["first_response_s"] == 18.5 and f["time"] == 0.0


def test_noise_only_turns_neither_start_nor_answer():
    turns = [call("customer", "[noise]", 1.49, 1.64), call("agent", "<unk>", 2.0, 2.2),
             call("customer", "hello?", 5.0, 5.5), call("agent", "hello this is harper valley bank", 6.25, 8.0)]
    _, res = score("first_response", turns, channel="call", language="en")
    assert res["metrics"]["first_response_s"] == 1.25

from .timing_helpers import call, na_reason, score


def _interrupted(agent_start, agent_end, text="您先别急，这个不是我们的问题", **opts):
    turns = [call("customer", "我这个包裹已经一个星期了还没到，你们到底怎么回事", 2.0, 7.0),
             call("agent", text, agent_start, agent_end)]
    return score("interruption", turns, channel="call", **opts)


def test_agent_talking_over_the_customer_is_an_interruption_with_both_turns_as_evidence():
    [f], res = _interrupted(4.0, 6.5)
    assert f["turn"] == 1 and f["time"] == 4.0
    assert f["extra"]["customer_turn"] == 0 and f["extra"]["overlap_ms"] == 2500.0
    assert f["extra"]["customer_text"].startswith("我这个包裹") and f["evidence"] == "您先别急，这个不是我们的问题"
    assert "timing.interruption" in f["tags"]
    assert res["metrics"]["interruptions"] == 1


def test_short_overlap_and_end_of_turn_handover_are_not_interruptions():
    assert _interrupted(6.6, 9.0)[0] == []          # 400 ms of overlap ≤ 500 ms
    assert _interrupted(6.8, 9.0, min_overlap_ms=100)[0] == []   # within tolerance_ms (250) of the end
    [f], _ = _interrupted(6.6, 9.0, min_overlap_ms=300)          # 400 ms > 300 ms and 400 ms left to say
    assert f["extra"]["overlap_ms"] == 400.0


def test_backchannels_are_excluded_but_only_when_short_and_only_backchannel():
    assert _interrupted(3.0, 3.8, text="嗯嗯，对")[0] == []
    assert len(_interrupted(3.0, 3.8, text="嗯嗯，对", backchannels=[])[0]) == 1
    assert len(_interrupted(3.0, 5.0, text="嗯嗯，对")[0]) == 1     # 2 s is not a backchannel any more
    assert len(_interrupted(3.0, 3.8, text="对，您说")[0]) == 1     # words beyond the backchannel
    turns = [call("customer", "i lost my credit card at the station", 2.0, 5.0),
             call("agent", "Mm-hmm.", 3.0, 3.9)]
    assert score("interruption", turns, channel="call", language="en")[0] == []


def test_word_timings_decide_when_segments_overlap_but_speech_does_not():
    words_c = [{"w": "我的", "start": 2.0, "end": 2.6}, {"w": "快递", "start": 2.6, "end": 3.1},
               {"w": "呢", "start": 6.0, "end": 6.3}]
    turns = [call("customer", "我的快递 …… 呢", 2.0, 6.3, words=words_c),
             call("agent", "您好请您提供一下单号", 3.6, 5.8,
                  words=[{"w": "您好", "start": 3.6, "end": 4.0}, {"w": "单号", "start": 5.4, "end": 5.8}])]
    assert score("interruption", turns, channel="call")[0] == []        # the customer paused 3.1–6.0
    [f], _ = score("interruption", turns, channel="call", use_words=False)  # segments say 2.2 s overlap
    assert f["extra"]["overlap_ms"] == 2200.0


def test_simultaneous_start_agent_first_and_missing_times():
    same = [call("customer", "喂你好", 1.0, 3.0), call("agent", "您好这里是客服中心", 1.0, 3.0)]
    assert score("interruption", same, channel="call")[0] == []
    agent_first = [call("agent", "您好这里是客服中心请讲", 0.5, 3.0), call("customer", "你好我想查快递", 2.0, 4.0)]
    assert score("interruption", agent_first, channel="call")[0] == []   # the customer talked over the agent
    partly = [call("customer", "我要投诉", 1.0, 6.0), {"role": "agent", "text": "您说"},
              call("agent", "您先听我说完", 2.0, 5.0)]
    [f], _ = score("interruption", partly, channel="call")
    assert f["turn"] == 2
    _, res = score("interruption", [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "在的"}])
    assert na_reason(res, "interruption") == "no agent turn has call times (start/end)"

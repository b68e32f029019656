from .timing_helpers import call, na_reason, score


def test_dead_air_is_reported_per_gap_with_both_sides():
    turns = [call("customer", "帮我查一下运单", 1.0, 2.5), call("agent", "运单号是多少", 3.0, 4.0),
             call("customer", "七五五一二三", 4.5, 6.0), call("agent", "运单已经到站点了", 25.0, 27.0)]
    [f], res = score("silence", turns, channel="call")
    assert f["turn"] == 2 and f["time"] == 6.0 and f["extra"]["silence_s"] == 19.0
    assert f["extra"]["kind"] == "dead_air" and f["extra"]["next_turn"] == 3
    assert "timing.silence" in f["tags"]
    m = res["metrics"]
    assert m["silence_s"] == 1.0 + 0.5 + 0.5 + 19.0 and m["silence_ratio"] == round(21.0 / 27.0, 4)
    assert m["overlap_s"] == 0 and m["hold_s"] == 0


def test_announced_hold_has_its_own_limit():
    turns = [call("customer", "帮我查一下运单", 1.0, 2.5), call("agent", "好的，请您稍等", 3.0, 4.0),
             call("agent", "让您久等了，运单已经到站点了", 40.0, 43.0)]
    found, res = score("silence", turns, channel="call")
    assert found == [] and res["metrics"]["hold_s"] == 36.0
    [f], _ = score("silence", turns, channel="call", max_hold_s=30)
    assert f["extra"]["kind"] == "hold" and f["extra"]["announced_turn"] == 1 and f["extra"]["silence_s"] == 36.0
    # the announcement only covers the next announce_window turns
    later = turns[:2] + [call("customer", "好", 4.5, 5.0), call("customer", "嗯", 5.5, 6.0),
                         call("agent", "查到了", 40.0, 41.0)]
    [f], _ = score("silence", later, channel="call", announce_window=2)
    assert f["extra"]["kind"] == "dead_air" and f["extra"]["silence_s"] == 34.0


def test_english_hold_phrase_and_leading_silence_is_not_a_finding():
    turns = [call("agent", "thank you for calling, one moment please", 14.0, 16.0),
             call("agent", "thanks for waiting", 40.0, 41.0)]
    found, res = score("silence", turns, channel="call", language="en")
    assert found == [] and res["metrics"]["silence_s"] == 14.0 + 24.0 and res["metrics"]["hold_s"] == 24.0


def test_overlap_counts_distinct_speakers():
    turns = [call("customer", "我想问一下", 0.0, 3.0), call("agent", "您说", 2.0, 4.0),
             call("customer", "就是那个", 3.5, 5.0)]
    _, res = score("silence", turns, channel="call")
    assert res["metrics"]["overlap_s"] == 1.5 and res["metrics"]["silence_s"] == 0


def test_missing_end_or_no_times_is_not_applicable():
    turns = [call("customer", "喂", 1.0, 2.0), {"role": "agent", "text": "您好", "start": 3.0}]
    found, res = score("silence", turns, channel="call")
    assert na_reason(res, "silence") == "turn 2 has no end time, so silences cannot be measured"
    _, res = score("silence", [{"role": "agent", "text": "您好"}], channel="call")
    assert na_reason(res, "silence") == "no turn has call times (start/end)"


def test_noise_only_turns_are_not_speech():
    turns = [call("customer", "帮我查一下", 1.0, 2.0), call("agent", "[noise]", 6.0, 6.5),
             call("agent", "查到了", 14.0, 15.0)]
    [f], _ = score("silence", turns, channel="call")
    assert f["time"] == 2.0 and f["extra"]["silence_s"] == 12.0


def test_turns_built_out_of_time_order_in_code_give_the_same_gaps():
    from qa import score_conversation
    from qa.model import Conversation, Turn

    from .timing_helpers import rubric

    turns = [Turn("agent", "运单已经到站点了", start=25.0, end=27.0), Turn("customer", "帮我查一下运单", start=1.0, end=2.5),
             Turn("agent", "运单号是多少", start=3.0, end=4.0), Turn("customer", "七五五一二三", start=4.5, end=6.0)]
    [f] = score_conversation(Conversation("c", turns, channel="call"), rubric("silence"))["findings"]
    assert f["turn"] == 3 and f["time"] == 6.0 and f["extra"]["next_turn"] == 0 and f["extra"]["silence_s"] == 19.0

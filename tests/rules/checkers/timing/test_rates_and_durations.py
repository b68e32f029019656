import pytest

from qa.errors import RubricError

from .timing_helpers import call, chat, na_reason, rubric, score

T = "2026-11-02T10:"
GREETING = "您好，很高兴为您服务，请问有什么可以帮您"   # 18 characters without punctuation


# -- speech_rate -------------------------------------------------------------------------------------


def test_call_speaking_rate_in_characters_per_minute():
    [f], res = score("speech_rate", [call("agent", GREETING, 0.5, 2.5)], channel="call", max_rate=320)
    assert res["metrics"]["speech_rate_agent"] == 540.0
    assert f["extra"] == {"rate": 540.0, "unit": "chars/min", "turns_measured": 1}
    assert "timing.speech_rate" in f["tags"] and "above 320" in f["message"]
    found, res = score("speech_rate", [call("agent", GREETING, 0.5, 5.0)], channel="call", max_rate=320)
    assert found == [] and res["metrics"]["speech_rate_agent"] == 240.0


def test_english_words_per_minute_over_word_timings_and_short_turns_ignored():
    words = [{"w": w, "start": 10 + i * 0.3, "end": 10 + i * 0.3 + 0.25} for i, w in enumerate("is there anything else i can help you with".split())]
    turns = [call("agent", "is there anything else i can help you with", 10.0, 14.0, words=words),
             call("agent", "okay", 20.0, 20.2)]
    [f], res = score("speech_rate", turns, channel="call", language="en", max_rate=200)
    # 9 words over 9.0 - 0.05 = 2.65 s of words (not the 4 s segment): 203.8 wpm; "okay" is under min_units
    assert res["metrics"]["speech_rate_agent"] == 203.8 and f["extra"]["turns_measured"] == 1


def test_chat_typing_rate_from_the_previous_message():
    turns = [chat("customer", "这个颜色还有货吗", T + "00:00+08:00"),
             chat("agent", "亲，这款深蓝色目前有现货，今天下单明天就能发出哦", T + "00:50+08:00"),
             chat("agent", "请问还有什么可以帮您的吗？", T + "00:52+08:00"),
             chat("agent", "亲，还在吗？我们这边售后政策很完善的哦", T + "02:30+08:00")]
    # 22 chars in 50 s = 26.4/min; 12 chars in 2 s = 360/min; the third waited 98 s > max_typing_s: not typing
    found, res = score("speech_rate", turns, min_rate=50, judge="turn", min_units=10)
    assert [(f["turn"], f["extra"]["rate"]) for f in found] == [(1, 26.4)]
    assert res["metrics"]["speech_rate_agent"] == round(34 / (52 / 60), 1)


def test_speech_rate_needs_a_bound_text_and_times():
    with pytest.raises(RubricError, match="give min_rate, max_rate or both"):
        rubric("speech_rate")
    _, res = score("speech_rate", [chat("agent", GREETING)], min_rate=50)
    assert na_reason(res, "speech_rate") == "no turn has a time (ts or start)"
    _, res = score("speech_rate", [chat("customer", "在吗", T + "00:00+08:00"), chat("agent", "在的", T + "00:05+08:00")],
                   min_rate=50)
    assert na_reason(res, "speech_rate") == "no agent turn of at least 5 chars has a measurable duration"
    _, res = score("speech_rate", [call("agent", "[speech]", 0, 5, meta={"no_text": True})], channel="call",
                   min_rate=50, top={"metadata": {"transcript": "none"}})
    assert na_reason(res, "speech_rate") == "the conversation has no transcript text"


# -- handle_time -------------------------------------------------------------------------------------


def test_call_handle_time_and_talk_ratio_in_seconds():
    turns = [call("agent", "您好", 1.0, 3.0), call("customer", "我要查快递", 2.5, 6.0), call("agent", "好的", 5.0, 9.0)]
    [f], res = score("handle_time", turns, channel="call", max_s=8)
    assert res["metrics"]["handle_time_s"] == 9.0 and f["extra"] == {"handle_time_s": 9.0}
    assert res["metrics"]["talk_ratio_agent"] == round(6.0 / 9.5, 4)
    assert "timing.handle_time" in f["tags"] and f["turn"] == 2


def test_chat_handle_time_from_started_at_and_talk_ratio_in_characters():
    turns = [chat("customer", "怎么退货", T + "00:30+08:00"), chat("agent", "订单页申请售后就行", T + "05:30+08:00")]
    found, res = score("handle_time", turns, top={"started_at": T + "00:00+08:00"})
    assert found == [] and res["metrics"]["handle_time_s"] == 330.0
    assert res["metrics"]["talk_ratio_agent"] == round(9 / 13, 4)
    [f], _ = score("handle_time", turns, min_s=600)
    assert "under 600" in f["message"]
    _, res = score("handle_time", [chat("customer", "在吗")])
    assert na_reason(res, "handle_time") == "no turn has a time (ts or start/end)"


# -- long_message ------------------------------------------------------------------------------------


def test_long_agent_messages_are_reported_with_their_length():
    long = "亲，" + "退货流程是这样的，" * 13     # 1 + 13 × 8 = 105 characters, punctuation not counted
    turns = [chat("customer", long), chat("agent", "好的"), chat("agent", long)]
    [f], _ = score("long_message", turns, max_units=100)
    assert f["turn"] == 2 and f["extra"] == {"units": 105} and "105 chars" in f["message"]
    assert "timing.long_message" in f["tags"] and f["evidence"] == long[:30] + "…"
    assert score("long_message", turns, max_units=105)[0] == []
    en = [chat("agent", " ".join(["word"] * 61))]
    [f], _ = score("long_message", en, language="en", max_units=60)
    assert f["extra"]["units"] == 61

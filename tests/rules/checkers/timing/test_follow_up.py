from .timing_helpers import call, chat, na_reason, score

TURNS = [chat("customer", "发票还没收到", "2026-11-02T10:00:00+08:00"),
         chat("agent", "我登记一下，明天上午前给您回复", "2026-11-02T10:05:00+08:00")]


def _md(*entries):
    return {"metadata": {"follow_ups": list(entries)}}


def test_late_follow_up_is_a_finding_with_hours():
    late = {"kind": "follow_up", "promised_at": "2026-11-02T10:05:00+08:00", "done_at": "2026-11-03T15:35:00+08:00"}
    [f], res = score("follow_up", TURNS, top=_md(late), max_hours=24)
    assert f["turn"] is None and f["extra"] == {"kind": "follow_up", "hours": 29.5, "hours_late": 5.5, "entry": 0}
    assert "timing.follow_up" in f["tags"] and res["metrics"]["follow_up_hours"] == 29.5


def test_in_time_across_time_zones_and_explicit_due_at():
    ok = {"promised_at": "2026-11-02T10:05:00+08:00", "done_at": "2026-11-03T01:00:00Z"}   # 22.9 h, kind defaults
    found, res = score("follow_up", TURNS, top=_md(ok), max_hours=24)
    assert found == [] and res["metrics"]["follow_up_hours"] == 22.92
    due = dict(ok, due_at="2026-11-02T18:00:00+08:00")
    [f], _ = score("follow_up", TURNS, top=_md(due), max_hours=24)
    assert f["extra"]["hours_late"] == 15.0


def test_promise_time_defaults_to_the_last_message_or_call_end():
    cb = {"kind": "callback", "done_at": "2026-11-05T10:06:00+08:00"}
    [f], _ = score("follow_up", TURNS, top=_md(cb), kinds=["callback"], max_hours=72)
    assert f["extra"]["hours"] == 72.02
    turns = [call("customer", "我要投诉", 1.0, 3.0), call("agent", "我们处理后给您回访", 3.5, 60.0)]
    top = {"started_at": "2026-11-02T10:00:00+08:00", **_md(dict(cb, done_at="2026-11-05T10:00:30+08:00"))}
    found, res = score("follow_up", turns, channel="call", top=top, kinds=["callback"], max_hours=72)
    assert found == [] and res["metrics"]["callback_hours"] == 71.99


def test_cannot_judge_is_not_applicable_with_the_reason():
    _, res = score("follow_up", TURNS)
    assert na_reason(res, "follow_up") == "no follow_up promise in the metadata"
    _, res = score("follow_up", TURNS, top=_md({"kind": "callback", "done_at": "2026-11-03T10:00:00+08:00"}))
    assert na_reason(res, "follow_up") == "no follow_up promise in the metadata"
    _, res = score("follow_up", TURNS, top=_md({"promised_at": "2026-11-02T10:05:00+08:00"}))
    assert na_reason(res, "follow_up") == "metadata.follow_ups[0]: no done_at (completion time) recorded"
    _, res = score("follow_up", TURNS, top=_md({"done_at": "明天"}))
    assert na_reason(res, "follow_up") == "metadata.follow_ups[0].done_at: not an ISO 8601 time: '明天'"
    _, res = score("follow_up", TURNS, top=_md({"promised_at": "2026-11-02T10:05:00", "done_at": "2026-11-03T01:00:00Z"}))
    assert na_reason(res, "follow_up") == "metadata.follow_ups[0]: mixes times with and without a UTC offset"
    single = {"metadata": {"follow_up": {"done_at": "2026-11-04T10:05:00+08:00"}}}
    [f], _ = score("follow_up", TURNS, top=single)
    assert f["extra"]["hours"] == 48.0

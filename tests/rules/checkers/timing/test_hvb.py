"""The timing rules on the three real Harper Valley Bank calls (Apache-2.0, read from ../shared/data)."""

import pytest

from qa import load_rubric, read_conversations, score_conversation

from .timing_helpers import rubric

pytestmark = pytest.mark.shared_data
SIDS = ("0002f70f7386445b", "004860b1ab2e4c88", "00d676d7058c49bb")


@pytest.fixture
def calls(shared_data):
    folder = shared_data / "harper-valley-bank" / "transcript"
    return {c.id: c for c in read_conversations([str(folder / f"{sid}.json") for sid in SIDS], fmt="hvb")}


def test_cs_timing_en_on_the_calls(calls):
    r = load_rubric("cs-timing-en")
    results = {sid: score_conversation(c, r) for sid, c in calls.items()}
    found = {sid: [(f["rule"], f["turn"], f["time"]) for f in res["findings"]] for sid, res in results.items()}
    # the agent's "thank you for calling" starts 681 ms before the caller's "...going to be it" ends
    assert found["0002f70f7386445b"] == [("timing.interruption", 15, 43.639)]
    assert found["004860b1ab2e4c88"] == [] and found["00d676d7058c49bb"] == []
    [f] = results["0002f70f7386445b"]["findings"]
    assert f["extra"]["customer_turn"] == 14 and f["extra"]["overlap_ms"] == 681.0
    assert f["extra"]["customer_text"] == "no that was going to be it"
    m = {sid: res["metrics"] for sid, res in results.items()}
    assert [m[s]["first_response_s"] for s in SIDS] == [1.669, 3.729, 1.689]
    assert [m[s]["handle_time_s"] for s in SIDS] == [50.61, 44.58, 52.369]
    assert [m[s]["interruptions"] for s in SIDS] == [1, 0, 0]
    assert [m[s]["overlap_s"] for s in SIDS] == [0.922, 0.0, 0.0]
    assert [m[s]["silence_ratio"] for s in SIDS] == [0.5977, 0.4344, 0.3487]
    assert all(200 < m[s]["speech_rate_agent"] < 235 for s in SIDS)
    for res in results.values():
        assert res["not_applicable_reasons"]["timing.reply_wait"] == "rule applies to chat conversations, this is a call"
        assert res["not_applicable_reasons"]["timing.follow_up"] == "no follow_up promise in the metadata"


def test_the_short_overlap_at_segments_10_11_is_a_hand_over_by_default(calls):
    # "can you repeat that please" starts 241 ms before the caller's "debit card" ends: under both
    # min_overlap_ms (500) and tolerance_ms (250); it counts only with stricter settings
    c = calls["0002f70f7386445b"]
    assert len(score_conversation(c, rubric("interruption", language="en", min_overlap_ms=200))["findings"]) == 1
    found = score_conversation(c, rubric("interruption", language="en", min_overlap_ms=200,
                                         tolerance_ms=100))["findings"]
    assert [(f["turn"], f["time"], f["extra"]["overlap_ms"]) for f in found] == [(10, 29.569, 241.0),
                                                                                  (15, 43.639, 681.0)]
    assert c.turns[10].text == "can you repeat that please" and c.turns[9].text == "debit card"


def test_the_mm_hmm_backchannel_inside_the_callers_turn(calls):
    c = calls["004860b1ab2e4c88"]
    bc = c.turns[4]
    assert bc.role == "agent" and bc.text == "[noise]" and bc.meta["asr"] == "mm hmm"
    bc.text = bc.meta["asr"]        # what the recogniser heard, overlapping "credit card"
    strict = {"language": "en", "min_overlap_ms": 100, "tolerance_ms": 0}
    assert score_conversation(c, rubric("interruption", **strict))["findings"] == []
    [f] = score_conversation(c, rubric("interruption", backchannels=[], **strict))["findings"]
    assert f["turn"] == 4 and f["time"] == 12.959 and f["extra"]["overlap_ms"] == 111.0

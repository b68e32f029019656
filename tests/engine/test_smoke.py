from qa import build_rubric
from qa.model import Conversation, Turn


def _rubric():
    data = {
        "id": "t", "version": "1", "language": "zh",
        "sections": [{"id": "s", "title": "S", "weight": 100}],
        "rules": [
            {"id": "ban.refusal", "checker": "phrase", "section": "s", "points": 5, "max_points": 10,
             "severity": "major", "scope": {"role": "agent"}, "phrases": ["我不能", "不能", "不知道"],
             "unless": {"followed_by": ["您还有"]}},
        ],
    }
    return build_rubric(data, "inline.yaml")


def test_traditional_text_matches_and_span_points_into_input():
    from qa import score_conversation

    conv = Conversation("c", [Turn("customer", "怎麼辦"), Turn("agent", "這個我不能處理")])
    r = score_conversation(conv, _rubric())
    [f] = r["findings"]
    assert f["evidence"] == "我不能" and f["turn"] == 1 and f["span"] == [2, 5]
    assert r["score"] == 95.0


def test_exception_and_role_scope():
    from qa import score_conversation

    conv = Conversation("c", [Turn("customer", "我不能等了"), Turn("agent", "不知道您还有其他问题吗")])
    r = score_conversation(conv, _rubric())
    assert r["findings"] == [] and r["score"] == 100.0

"""signal.complaint (checker complaint-message): every complaining customer message as a finding other rules read,
not just the first message of each type that the conversation's labels name."""

import pytest

from qa import build_rubric, compile_rubric, default_registry, load_rubric, score_conversation
from qa.rules.rubric import loader
from qa.errors import RubricError
from qa.model import Conversation, Turn


def chat(*turns, language="zh"):
    return Conversation("c", [Turn("agent", t[2:]) if t.startswith("A:") else Turn("customer", t) for t in turns],
                        language=language)


@pytest.fixture(scope="module")
def zh_all():
    return compile_rubric(load_rubric("complaints-zh"), report_all=True)


def signals(compiled, conv):
    return [f for f in score_conversation(conv, compiled)["findings"] if f["rule"] == "signal.complaint"]


def test_one_finding_per_complaining_message_with_its_types(zh_all):
    conv = chat("我的快递怎么还没到", "A:预计明天送达", "好的谢谢", "A:不客气", "都五天了！发票也开错了", "A:好的")
    found = signals(zh_all, conv)
    assert [f["turn"] for f in found] == [0, 4]        # the thank-you is no complaint
    assert found[0]["extra"]["complaint_type"] == "logistics_delay"
    assert set(found[1]["extra"]["complaint_types"]) == {"logistics_delay", "other"}
    assert found[0]["evidence"] == "还没到" and 0 < found[0]["extra"]["confidence"] < 1
    assert found[0]["tags"] == ["signal", "complaint.message"]
    # the conversation's labels still name each type once, on its first message
    labels = score_conversation(conv, zh_all)["labels"]["complaint_types"]
    assert sorted((e["type"], e["turn"]) for e in labels) == [("logistics_delay", 0), ("other", 4)]


def test_a_helper_rule_it_is_not_reported_and_a_repeated_chase_is_a_complaining_message():
    plain = compile_rubric(load_rubric("complaints-zh"))
    conv = chat("帮我看下订单什么时候发货", "A:请您稍等，正在查询", "在吗", "A:稍等哦", "人呢？？查到了吗")
    result = score_conversation(conv, plain)
    assert all(f["rule"] != "signal.complaint" for f in result["findings"])
    found = signals(compile_rubric(load_rubric("complaints-zh"), report_all=True), conv)
    assert [f["turn"] for f in found] == [4] and found[0]["message"].endswith("（催问）")


def test_a_rule_replying_to_any_complaining_message_reads_it():
    """A reassurance after the *second* complaint of a type is a brush-off too: in_reply_to reads signal.complaint."""
    r = loader.build_rubric({"id": "t", "version": "1", "language": "zh", "rules": [
        {"id": "ban.brush_off", "checker": "phrase", "title": "敷衍", "scope": {"role": "agent"}, "points": 1,
         "phrases": ["您放心"], "in_reply_to": {"findings": ["signal.complaint"]}}]}, "inline.yaml",
        [load_rubric("complaints-zh")], checkers=default_registry().checkers)
    conv = chat("快递怎么还没到", "A:已经为您催促了", "还是没到，都第三天了", "A:您放心")
    result = score_conversation(conv, compile_rubric(r))
    assert [f["turn"] for f in result["findings"] if f["rule"] == "ban.brush_off"] == [3]


def test_it_needs_a_complaint_type_rule():
    r = build_rubric({"id": "t", "version": "1", "language": "zh", "rules": [
        {"id": "x.word", "checker": "phrase", "title": "x", "phrases": ["坏"], "tags": ["complaint"]},
        {"id": "signal.complaint", "checker": "complaint-message", "title": "s", "rules": ["tag:complaint"]}]},
        "inline.yaml")
    with pytest.raises(RubricError, match="names no complaint-type rule"):
        compile_rubric(r)


def test_en_signal_complaint():
    en = compile_rubric(load_rubric("complaints-en"), report_all=True)
    found = signals(en, chat("Hi", "A:Hello, how can I help?", "Why is my card still not here? I ordered it two "
                             "weeks ago!", language="en"))
    assert [f["turn"] for f in found] == [2]

"""The complaint-type checker on the shipped rubrics: negation, questions, requests, multi-label, evidence."""

import json

import pytest

from qa import build_rubric, compile_rubric, load_rubric, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn


@pytest.fixture(scope="module")
def zh():
    return compile_rubric(load_rubric("complaints-zh"))


@pytest.fixture(scope="module")
def en():
    return compile_rubric(load_rubric("complaints-en"))


def types_of(compiled, *texts, role="customer", language=None):
    conv = Conversation("c", [Turn("agent", "您好，请问有什么可以帮您")] + [Turn(role, t) for t in texts],
                        language=language or compiled.rubric.language)
    r = score_conversation(conv, compiled)
    return r, {e["type"] for e in r["labels"]["complaint_types"]}


@pytest.mark.parametrize("text", ["东西没有坏，谢谢", "这个会不会坏？", "一点都不慢，好评", "没有洒，包装很好"])
def test_zh_negation_and_questions_are_not_quality_or_delay_complaints(zh, text):
    r, types = types_of(zh, text)
    assert types == set() and r["findings"] == []


@pytest.mark.parametrize("text", ["Is it broken?", "My card is not broken, thanks", "How long does delivery take?"])
def test_en_negation_and_questions(en, text):
    assert types_of(en, text)[1] == set()


def test_zh_request_is_not_a_complaint_but_the_same_topic_with_dissatisfaction_is(zh):
    assert types_of(zh, "怎么退货？")[1] == set()
    assert types_of(zh, "请问运费多少钱？")[1] == set()
    assert types_of(zh, "退款申请一周了钱还没退")[1] == {"refund_return"}
    assert types_of(zh, "运费多收了十块，给个说法")[1] == {"fees"}


def test_en_request_vs_complaint(en):
    assert types_of(en, "How do I get a refund?")[1] == set()
    assert types_of(en, "I still haven't received my refund, this is unacceptable")[1] == {"refund_return"}


def test_weak_topic_word_needs_a_cue(zh):
    # 晚了 (weight 1) alone is a report, with a cue in the same turn it is a complaint
    assert types_of(zh, "晚了一点")[1] == set()
    assert types_of(zh, "晚了一点，真无语")[1] == {"logistics_delay"}


def test_multi_label_with_confidence_and_evidence_spans(zh):
    text = "快递太慢了，而且菜都凉了，很难吃"
    r, types = types_of(zh, text)
    assert types == {"logistics_delay", "product_quality"}
    labels = {e["type"]: e for e in r["labels"]["complaint_types"]}
    q = labels["product_quality"]
    assert 0.5 < q["confidence"] <= 1 and q["title"] == "商品质量/错发漏发" and q["source"] == "keywords"
    words = {e["text"] for e in q["evidence"] if e["kind"] == "keyword"}
    assert {"凉了", "难吃"} <= words
    for e in q["evidence"]:
        assert e["turn"] == 1 and text[e["span"][0]:e["span"][1]] == e["text"]
    by_type = {f["extra"]["complaint_type"]: f for f in r["findings"]}
    assert set(by_type) == types
    f = by_type["logistics_delay"]
    assert f["tags"] == ["complaint", "complaint.logistics_delay"] and f["points"] == 0
    assert f["turn"] == 1 and text[f["span"][0]:f["span"][1]] == f["evidence"] == "太慢"
    assert r["score"] == 100.0


def test_traditional_characters_match_and_spans_point_into_the_input(zh):
    text = "我要投訴，快遞員態度太差了"
    r, types = types_of(zh, text)
    assert types == {"service_attitude"}
    f = r["findings"][0]
    assert f["evidence"] == "態度太差" and text[f["span"][0]:f["span"][1]] == "態度太差"


def test_agent_turns_are_out_of_scope(zh):
    conv = Conversation("c", [Turn("customer", "你好"), Turn("agent", "抱歉让您久等了，配送太慢了，我们会投诉处理")])
    r = score_conversation(conv, zh)
    assert r["labels"]["complaint_types"] == [] and r["findings"] == []


def test_general_dissatisfaction_is_other(zh):
    r, types = types_of(zh, "我要投诉你们")
    assert types == {"other"}
    assert r["labels"]["complaint_types"][0]["evidence"][0]["kind"] == "cue"


def test_cue_scope_conversation_lets_a_cue_in_another_turn_count():
    data = {"id": "t", "version": "1", "language": "zh", "rules": [{
        "id": "c", "checker": "complaint-type", "tags": ["complaint"], "points": 0, "scope": {"role": "customer"},
        "cues": {"投诉": 2}, "types": {"fees": {"keywords": {"运费": 1}}}, "cue_scope": "conversation"}]}
    rub = build_rubric(data, "inline.yaml")
    conv = Conversation("c", [Turn("customer", "运费是十块"), Turn("customer", "我要投诉")])
    assert [e["type"] for e in score_conversation(conv, rub)["labels"]["complaint_types"]] == ["fees"]
    data["rules"][0]["cue_scope"] = "turn"
    rub = build_rubric(data, "inline.yaml")
    assert [e["type"] for e in score_conversation(conv, rub)["labels"]["complaint_types"]] == ["other"]


@pytest.mark.parametrize("name", ["complaints-zh", "complaints-en", "zh-p2p-lending"])
def test_every_type_example_in_the_shipped_rubrics_yields_its_type(name):
    rubric = load_rubric(name)
    compiled = compile_rubric(rubric)
    checked = 0
    for rule in rubric.active_rules:
        if rule.checker != "complaint-type":
            continue
        assert rule.source and "complaint" in rule.tags
        for tid, spec in rule.options["types"].items():
            for text in spec.get("examples", []):
                _r, types = types_of(compiled, text)
                assert tid in types, (tid, text, types)
                checked += 1
    assert checked >= 6


@pytest.mark.parametrize("bad, field, message", [
    ({"types": {"fees": {"keywords": {"运费": -1}}}}, "c.types.fees.keywords", "positive number"),
    ({"types": {"fees": {"keyword": ["运费"]}}}, "c.types.fees.keyword", "did you mean 'keywords'"),
    ({"types": {"fees": {"keywords": ["运费"]}}, "strong": 0.5}, "c.strong", "below threshold"),
    ({"types": {"fees": {"keywords": ["运费"]}}, "mode": "model"}, "c.model", "needs a model file"),
])
def test_rubric_mistakes_are_reported_with_the_field(bad, field, message):
    data = {"id": "t", "version": "1", "rules": [{"id": "c", "checker": "complaint-type", **bad}]}
    with pytest.raises(RubricError) as ei:
        build_rubric(data, "inline.yaml")
    assert ei.value.field == field and message in str(ei.value) and "inline.yaml" in str(ei.value)


def test_qa_score_output_carries_complaint_labels_with_evidence(tmp_path):
    from click.testing import CliRunner

    from qa.cli import cli

    conv = {"id": "c1", "language": "zh", "agent_id": "A1", "turns": [
        {"role": "customer", "text": "我的快递怎么还没到？都三天了"},
        {"role": "agent", "text": "您好，我帮您查询一下"},
        {"role": "customer", "text": "快递员态度很差，我要投诉"}]}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(conv, ensure_ascii=False) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["score", str(src), "--rubric", "complaints-zh", "-f", "jsonl", "-q"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[0])
    labels = {e["type"]: e for e in out["labels"]["complaint_types"]}
    assert set(labels) == {"logistics_delay", "service_attitude"}
    assert labels["logistics_delay"]["evidence"][0]["turn"] == 0
    assert labels["service_attitude"]["evidence"][0] == {"turn": 2, "span": [3, 7], "text": "态度很差",
                                                         "kind": "keyword", "weight": 2.0}
    assert any(e["text"] == "投诉" and e["kind"] == "cue" for e in labels["service_attitude"]["evidence"])
    assert {f["rule"] for f in out["findings"]} == {"complaint.types"}
    assert all("complaint" in f["tags"] for f in out["findings"])

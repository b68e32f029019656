"""The qa-finance pack from qa's side: its checkers through the engine, and no false alarms on real chats."""

from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "plugins" / "qa-finance" / "src" / "qa_finance" / "rubrics" / "finance-compliance.yaml"


def test_pack_registers_its_checkers_and_rubrics(finance):
    from qa.plugins.registry import plugin_listing

    info = finance.collect().plugins["qa_finance.plugin"]
    assert info.checkers == ["pii_readback", "disclosure"]

    [row] = plugin_listing(finance)
    assert row["rubrics"] == ["finance-compliance", "zh-finance"]


def test_call_transcript_with_id_number_in_spoken_digits(finance, qa_score):
    r = qa_score(RUBRIC, {"channel": "call", "turns": [
        {"role": "customer", "text": "我要挂失", "start": 0.0, "end": 1.2},
        {"role": "agent", "text": "您的身份证号是四四零一零六 一九九零零一零一 一二三五对吗", "start": 1.5, "end": 6.0}]})
    [f] = r["findings"]
    assert (f["rule"], f["turn"], f["span"], f["evidence"]) == ("finance.pii.id_card", 1, [7, 27],
                                                                "440106********1235")
    assert f["time"] == 1.5 and f["extra"] == {"kind": "id_card"}


def test_unknown_pii_kind_is_a_rubric_error_with_a_hint(finance, qa_rubric):
    from qa.errors import RubricError

    with pytest.raises(RubricError, match=r"unknown kind 'bankcard'.*did you mean 'bank_card'\?"):
        qa_rubric({"id": "x", "version": "1", "rules": [{"id": "p", "checker": "pii_readback",
                                                          "kinds": ["bankcard"]}]})


def test_zh_finance_composes_the_shipped_zh_rubric(finance, qa_rubric):
    r = qa_rubric("zh-finance")
    ids = {rule.id for rule in r.active_rules}
    assert {"courtesy.greeting", "ban.refusal", "finance.overpromise", "finance.pii.bank_card"} <= ids
    assert r.extends == ("zh-customer-service", "finance-compliance")


def test_no_false_alarms_on_real_jd_chats(finance, shared_data):
    """994 real JD.com service chats: no finance rule may fire, and none is a sales conversation."""
    from qa import ReadOptions, load_rubric, read_conversations, score_conversations

    convs = read_conversations([shared_data / "jddc-chat-sample" / "chat_0.1per.txt"], "auto",
                               ReadOptions(mapping=str(ROOT / "corpora" / "mappings" / "jddc.yaml")))
    findings, na, n = Counter(), Counter(), 0
    for res in score_conversations(convs, load_rubric(RUBRIC, registry=finance), registry=finance):
        n += 1
        findings.update(f["rule"] for f in res["findings"])
        na.update(res["not_applicable"])
    assert n == 994
    assert findings == Counter()
    assert na == Counter({"finance.risk_disclosure": 994})

"""Metrics arithmetic, labelled-data reading (errors name file, line, field), keyword suggestion."""

import json

import pytest
import yaml

from qa.classify.data import parse_labels, read_examples
from qa.classify.metrics import evaluate
from qa.classify.suggest import suggest, to_yaml
from qa.errors import InputError


def test_metrics_per_label_macro_and_confusion():
    gold = [{"fees"}, {"fees"}, {"logistics_delay"}, set(), {"fees", "logistics_delay"}]
    pred = [{"fees"}, set(), {"fees"}, set(), {"fees", "logistics_delay"}]
    r = evaluate(gold, pred)
    f = r["per_label"]["fees"]
    assert (f["tp"], f["fp"], f["fn"]) == (2, 1, 1) and f["precision"] == pytest.approx(2 / 3, abs=1e-4)
    lg = r["per_label"]["logistics_delay"]
    assert (lg["tp"], lg["fp"], lg["fn"], lg["f1"]) == (1, 0, 1, pytest.approx(0.6667, abs=1e-4))
    assert r["macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 2, abs=1e-3)
    assert r["exact_match"] == pytest.approx(0.6)
    c = r["confusion"]
    assert c["labels"] == ["fees", "logistics_delay", "none"]
    m = {g: dict(zip(c["labels"], row, strict=False)) for g, row in zip(c["labels"], c["matrix"], strict=False)}
    assert m["fees"]["none"] == 1 and m["logistics_delay"]["fees"] == 2 and m["none"]["none"] == 1


def test_label_field_forms():
    kw = {"path": "d.csv", "line": 3, "field": "labels"}
    assert parse_labels("fees|logistics_delay", **kw) == ("fees", "logistics_delay")
    assert parse_labels('["fees", "other"]', **kw) == ("fees", "other")
    assert parse_labels(["fees"], **kw) == ("fees",)
    assert parse_labels("none", **kw) == () and parse_labels("", **kw) == ()
    with pytest.raises(InputError) as ei:
        parse_labels("[fees", **kw)
    assert "d.csv:3" in str(ei.value) and "[labels]" in str(ei.value)


def test_row_labels_join_and_rejects(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("label,review\n0,送餐太慢\n0,\n1,很好吃\n", encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("row,labels,split\n1,logistics_delay,test\n2,other,test\n3,,dev\n", encoding="utf-8")
    ex, rej = read_examples(data, "review", "labels", row_labels=labels, split="test")
    assert [(e.row, e.text, e.labels) for e in ex] == [(1, "送餐太慢", ("logistics_delay",))]
    assert [(r.line, r.reason) for r in rej] == [(3, "empty or missing text")]
    with pytest.raises(InputError) as ei:
        read_examples(data, "text", "labels")
    assert "no field 'text'" in str(ei.value) and "review" in str(ei.value)


def test_jsonl_bad_line_is_reported(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "a", "labels": "fees"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_examples(p, "text", "labels")
    assert f"{p}:2" in str(ei.value)


def test_suggest_ranks_label_words_and_skips_stop_words():
    texts = ["送餐太慢了等了两个小时", "太慢了，一个小时才到", "配送太慢", "送得太慢了",
             "菜很难吃", "难吃，太咸了", "味道难吃", "米饭难吃",
             "很好吃", "的确不错", "下次还来", "味道好的"]
    labels = [("logistics_delay",)] * 4 + [("product_quality",)] * 4 + [()] * 4
    res = suggest(texts, labels, "zh", min_count=3)
    assert res["logistics_delay"][0].term == "太慢" and res["logistics_delay"][0].in_label == 4
    assert res["product_quality"][0].term == "难吃"
    assert all(c.term not in {"的", "了"} for cands in res.values() for c in cands)
    doc = yaml.safe_load(to_yaml(res, "log-odds", "x.csv"))
    assert doc["types"]["logistics_delay"]["keywords"]["太慢"] == 2


def test_keywords_cli_output_pastes_into_yaml(tmp_path):
    from click.testing import CliRunner

    from qa.cli import cli

    p = tmp_path / "d.jsonl"
    rows = [{"t": "I was charged twice", "l": "fees"}, {"t": "charged twice again", "l": "fees"},
            {"t": "extra fee charged twice", "l": "fees"}, {"t": "card arrived fine", "l": ""},
            {"t": "thank you so much", "l": ""}]
    p.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    res = CliRunner().invoke(cli, ["keywords", "suggest", str(p), "-t", "t", "-l", "l", "--language", "en",
                                   "--min-count", "3"])
    assert res.exit_code == 0, res.output
    kws = yaml.safe_load(res.stdout)["types"]["fees"]["keywords"]
    assert "charged twice" in kws or "charged" in kws
    assert "i" not in kws and "was" not in kws

"""``qa eval`` end to end on the test devset (tests/data/eval/devset: 41 conversations of corpora/ and hand-written
chats, labelled by hand against docs/labelling.md) with a small fixed rubric (tests/data/eval/rubric.yaml), whose
figures are worked out by hand in the comments."""

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1] / "data" / "eval"
DEVSET = HERE / "devset"
RUBRIC = HERE / "rubric.yaml"
CHATS = DEVSET / "chats.jsonl"
ROOT = Path(__file__).resolve().parents[2]


def rows(report):
    return {r["id"]: r for r in report["metrics"]}


def counts(row):
    return row["tp"], row["fp"], row["fn"], row["tn"]


@pytest.fixture(scope="module")
def report():
    import contextlib
    import io

    from qa.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(["eval", str(RUBRIC), "--devset", str(DEVSET), "-f", "json"])
    assert exc.value.code == 0
    return json.loads(out.getvalue())


def agent_messages(split=None):
    manifest = [json.loads(x) for x in (DEVSET / "manifest.jsonl").read_text().splitlines()]
    keep = {m["id"] for m in manifest if split in (None, m["split"])}
    n = 0
    for path in (ROOT / "corpora/zh-chat-timed/sample.jsonl", ROOT / "corpora/harper-valley-bank/calls.jsonl", CHATS):
        for line in path.read_text(encoding="utf-8").splitlines():
            c = json.loads(line)
            if c["id"] in keep:
                n += sum(t["role"] == "agent" for t in c["turns"])
    return n


def test_banned_phrasing_per_agent_message(report):
    r = rows(report)
    assert r["banned.any"]["n"] == agent_messages() == 190
    # 14 labelled messages; the rubric flags 12: all but one right (a whole English "ok" labelled clean),
    # and misses the brush-off and the 为什么 (no rule for them) and "you're wrong" (not in its phrases).
    assert counts(r["banned.any"])[:3] == (11, 1, 3)
    assert r["banned.any"]["precision"]["value"] == pytest.approx(11 / 12, abs=1e-4)
    assert r["banned.any"]["recall"]["value"] == pytest.approx(11 / 14, abs=1e-4)
    # refusal has two rules: the family row is either rule firing; norm.beyond_authority alone finds 1 of 3
    assert counts(r["banned.refusal"])[:3] == (3, 0, 0)
    assert counts(r["rule:norm.beyond_authority"])[:3] == (1, 0, 2)
    assert counts(r["banned.filler"])[:3] == (2, 1, 0)
    assert r["rule:ban.filler"]["same_as"] == "banned.filler"
    assert "banned.brush_off" not in r   # no rule in the rubric: listed as not measured
    assert any(n.startswith("banned brush_off (no rule ban.brush_off") for n in report["not_measured"])


def test_courtesy_facts_per_conversation(report):
    r = rows(report)
    # greeting missing in 2 conversations, both flagged; 8 flagged wrongly (在的亲… openers carry no 您好)
    assert counts(r["courtesy.greeting"]) == (2, 8, 0, 31)
    assert r["courtesy.greeting"]["balanced_accuracy"]["value"] == pytest.approx((1 + 31 / 39) / 2, abs=1e-4)
    # closing missing in 14; the two HVB calls ending "thank you for calling … bye" are flagged (phrases lack it)
    assert counts(r["courtesy.closing"]) == (14, 2, 0, 25)
    assert r["courtesy.hold"]["rules"] == ["courtesy.hold.ask"]


def test_complaints_per_conversation(report):
    r = rows(report)
    assert counts(r["complaint.any"]) == (17, 1, 5, 18)   # 22 conversations with a complaint
    assert r["complaint.any"]["f1"]["value"] == pytest.approx(34 / 40, abs=1e-4)
    assert counts(r["complaint.fees"])[:3] == (2, 0, 0)
    assert counts(r["complaint.other"])[:3] == (0, 0, 3)   # invoices: no keywords in the test rubric
    per_type = [r[f"complaint.{t}"]["f1"]["value"] for t in
                ("logistics_delay", "fees", "service_attitude", "product_quality", "refund_return", "other")]
    assert report["complaint_types"]["types"] == 6
    assert report["complaint_types"]["macro_f1"] == pytest.approx(sum(per_type) / 6, abs=1e-4)


def test_escalation_callbacks_and_verdict(report):
    r = rows(report)
    assert counts(r["escalation"])[:3] == (2, 0, 3)    # "我要投诉" is a threat the test rubric does not list
    assert r["callbacks"]["n"] == 190
    assert counts(r["callbacks"])[:3] == (13, 0, 4)
    # 5 labelled fail; qa fails 6 (pass mark 90): also ev-zh-05 (coach: one major phrasing) and zct-0137, and
    # passes ev-en-03 (its "you're wrong" is not in the phrases)
    tp, fp, fn, tn = counts(r["verdict.fail"])
    assert (tp, fp, fn, tn) == (4, 2, 1, 34)
    po = (tp + tn) / 41
    pe = ((tp + fn) * (tp + fp) + (fp + tn) * (fn + tn)) / 41 ** 2
    assert r["verdict.fail"]["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-4)


def test_table_is_grouped_by_family(run_qa):
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--split", "test")
    assert code == 0
    assert "(split test): 19 labelled conversation(s) of 19 selected" in out
    for title in ("banned phrasing (per agent message)", "courtesy facts (per conversation)",
                  "complaints (per conversation)", "overall verdict (per conversation)"):
        assert title in out
    line = next(x for x in out.splitlines() if x.startswith("banned (any)"))
    assert "0.88 [0.53–0.98]" in line    # 7 of 8: Wilson (0.529, 0.978)
    assert "refusal" in out and "  norm.beyond_authority" in out


def test_split_language_and_rule_selection(run_qa):
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--language", "en", "--rule", "ban.refusal",
                          "--rule", "courtesy.closing", "-f", "json")
    assert code == 0
    rep = json.loads(out)
    assert rep["header"]["labelled"] == 6
    assert {r["id"] for r in rep["metrics"]} == {"rule:ban.refusal", "rule:courtesy.closing", "courtesy.closing"}
    code, _, err = run_qa("eval", RUBRIC, "--devset", DEVSET, "--rule", "ban.refusl")
    assert code == 2 and "did you mean 'ban.refusal'" in err
    code, _, err = run_qa("eval", RUBRIC, "--devset", DEVSET, "--corpus", "jddc")
    assert code == 2 and "no corpus 'jddc' in the devset" in err


def test_show_false_positives_in_context(run_qa):
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--show", "fp", "--rule", "banned.filler")
    assert code == 0
    block = out.split("\n\n")[0]
    assert block.splitlines()[0] == "FP banned.filler  eval-chats/ev-en-03  turn 5"
    assert "▶   5 A  ok" in block
    assert "    3 A  You were only charged once, you're wrong." in block     # two neighbours before
    assert "qa: ban.filler (turn 5) «ok»" in block
    assert "reader: labelled clean — a whole 'ok' that answers no question is not a filler in English" in block
    assert out.rstrip().endswith("1 disagreement(s)")


def test_show_false_negatives_of_a_rule_and_as_json(run_qa):
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--show", "fn", "--rule", "ban.argue", "-f", "json")
    assert code == 0
    ds = json.loads(out)["disagreements"]
    assert [(d["conversation"], d["turn"], d["label"]) for d in ds] == [("eval-chats/ev-en-03", 3, "labelled argue")]
    assert [c["turn"] for c in ds[0]["context"]] == [1, 2, 3, 4, 5]
    # conversation-level: the labelled complaint turn is the focus
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--show", "fn", "--rule", "complaint.other", "-f", "json")
    ds = json.loads(out)["disagreements"]
    assert {d["conversation"] for d in ds} == {"zh-chat-timed/zct-0137", "zh-chat-timed/zct-0148",
                                               "eval-chats/ev-zh-09"}
    assert all(c["turn"] == 0 for d in ds for c in d["context"] if c["focus"])


def test_default_show_reads_each_label_once(run_qa):
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--show", "fn", "-f", "json")
    metrics = {d["metric"] for d in json.loads(out)["disagreements"]}
    assert "banned.any" not in metrics and not any(m.startswith("rule:") for m in metrics)
    assert {"banned.argue", "courtesy.apology", "complaint.other", "escalation", "callbacks"} <= metrics


def test_a_qa_leads_own_sample(tmp_path, run_qa):
    """Plain user mode: conversation files plus labels matched by id (no corpus, no devset)."""
    lines = [json.loads(x) for x in (DEVSET / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = tmp_path / "mine.jsonl"
    mine.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "corpus"}, ensure_ascii=False) + "\n"
                            for r in lines if r["corpus"] == "eval-chats"), encoding="utf-8")
    code, out, _ = run_qa("eval", RUBRIC, CHATS, "--labels", mine, "-f", "json")
    assert code == 0
    rep = json.loads(out)
    assert rep["header"]["labelled"] == 13 and rep["header"]["selected"] == 13
    # the hand-written chats hold every banned message of the set
    assert counts(rows(rep)["banned.any"])[:3] == (11, 1, 3)
    code, _, err = run_qa("eval", RUBRIC, CHATS, "--labels", mine, "--split", "test")
    assert code == 2 and "for the devset" in err


def test_targets_file_maps_other_rule_names(tmp_path, run_qa):
    targets = tmp_path / "targets.yaml"
    targets.write_text("banned:\n  refusal: [norm.beyond_authority]\n  why: []\ncourtesy:\n  greeting: ['courtesy.*']\n"
                       "complaint_types: {fees: other}\n", encoding="utf-8")
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--targets", targets, "-f", "json")
    assert code == 0
    r = rows(json.loads(out))
    assert r["banned.refusal"]["rules"] == ["norm.beyond_authority"]
    assert r["banned.dont_know"]["rules"] == ["ban.dont_know"]       # what the file does not say stays shipped
    assert r["courtesy.greeting"]["rules"] == ["courtesy.greeting", "courtesy.closing", "courtesy.apology",
                                               "courtesy.hold.ask"]
    assert counts(r["complaint.fees"])[:3] == (0, 0, 2)        # qa's fees now count as other
    bad = tmp_path / "bad.yaml"
    bad.write_text("banned:\n  refusals: [ban.refusal]\n", encoding="utf-8")
    code, _, err = run_qa("eval", RUBRIC, "--devset", DEVSET, "--targets", bad)
    assert code == 2 and f"{bad}:2 [banned.refusals]" in err and "did you mean 'refusal'" in err


def test_shipped_rubrics_run_on_the_test_devset(run_qa):
    """The shipped rubrics measure on the fixture; figures are not pinned here (they are tuned elsewhere),
    but every labelled unit is counted."""
    for rubric, lang, labelled in (("zh-customer-service", "zh", 11), ("en-customer-service", "en", 3)):
        code, out, _ = run_qa("eval", rubric, "--devset", DEVSET, "--language", lang, "-f", "json")
        assert code == 0
        rep = json.loads(out)
        r = rows(rep)
        assert r["banned.any"]["n"] == rep["header"]["agent_messages"]
        assert r["banned.any"]["positives"] == labelled
        assert r["complaint.any"]["n"] == rep["header"]["labelled"]


def test_show_by_courtesy_rule_id(run_qa):
    """--rule with a courtesy rule's id shows the fact's label (a rule row knows the fact it implements)."""
    code, out, _ = run_qa("eval", RUBRIC, "--devset", DEVSET, "--show", "fn", "--rule", "courtesy.apology", "-f",
                          "json")
    assert code == 0
    ds = json.loads(out)["disagreements"]
    assert {d["metric"] for d in ds} == {"courtesy.apology", "rule:courtesy.apology"}
    assert all(d["label"] == "apology: owed_missing" for d in ds)

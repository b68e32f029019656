"""``qa eval agree``: Cohen's kappa per field between two label passes, and the disagreements to adjudicate.

tests/data/eval/devset/labels-b.jsonl is the author's alternative reading of the borderline cases of labels-a.jsonl
(each named in its note), so the expected figures below can be worked out by hand."""

import json
from pathlib import Path

import pytest

from qa.eval.agree import compare_passes, units
from qa.eval.labels import parse_record

DEVSET = Path(__file__).resolve().parents[1] / "data" / "eval" / "devset"


def test_units_of_one_conversation():
    a = parse_record({"id": "s", "complaints": [{"type": "fees", "turn": 0}], "apology": "owed_given",
                      "hold": "not_owed", "banned": [{"turn": 1, "categories": ["refusal"]}], "verdict": "coach"})
    b = parse_record({"id": "s", "complaints": [], "apology": "owed_missing", "hold": "owed_given",
                      "banned": [{"turn": 3, "categories": ["refusal", "blame"]}], "verdict": "fail"})
    by = {(u.field, u.turn): (u.a, u.b) for u in units(a, b, [1, 3])}
    assert by[("complaint", None)] == (True, False)
    assert by[("complaint.fees", None)] == (True, False)
    assert by[("apology.owed", None)] == (True, True)
    assert by[("apology.given", None)] == (True, False)
    assert by[("hold.owed", None)] == (False, True)
    assert ("hold.given", None) not in by          # compared only where both readers say owed
    assert by[("banned.refusal", 1)] == (True, False) and by[("banned.refusal", 3)] == (False, True)
    assert by[("banned.blame", 3)] == (False, True) and by[("banned.any", 3)] == (False, True)
    assert by[("verdict", None)] == ("coach", "fail")
    assert ("greeting", None) not in by            # not labelled by either


def test_hand_computed_kappa_on_a_small_example():
    recs = [("c1", True, True), ("c2", True, False), ("c3", False, False), ("c4", False, False)]
    a = [parse_record({"id": c, "complaints": [{"type": "fees", "turn": 0}] if x else []}) for c, x, _ in recs]
    b = [parse_record({"id": c, "complaints": [{"type": "fees", "turn": 0}] if y else []}) for c, _, y in recs]
    rep = compare_passes(a, b, lambda rec: [])
    row = next(r for r in rep["fields"] if r["field"] == "complaint")
    # p_o = 3/4; A says yes 2/4, B 1/4: p_e = 0.5·0.25 + 0.5·0.75 = 0.5; kappa = 0.25 / 0.5
    assert row["n"] == 4 and row["agreement"] == 0.75 and row["kappa"] == pytest.approx(0.5)
    assert (row["a_yes"], row["b_yes"], row["disagreements"]) == (2, 1, 1)


def test_agree_on_the_test_devset(tmp_path, run_qa):
    out_file = tmp_path / "adjudicate.jsonl"
    code, out, _ = run_qa("eval", "agree", DEVSET / "labels-a.jsonl", DEVSET / "labels-b.jsonl", "--devset", DEVSET,
                          "--disagreements", out_file, "-f", "json")
    assert code == 0
    rep = json.loads(out)
    assert rep["conversations"] == 41 and not rep["only_in_a"] and not rep["only_in_b"]
    f = {r["field"]: r for r in rep["fields"]}
    # complaint vs none: B drops zct-0137's complaint; A yes 22, B yes 21 of 41:
    # p_e = (22·21 + 19·20) / 41² = 842/1681, kappa = (40·41 − 842) / (1681 − 842) = 798/839
    assert f["complaint"]["kappa"] == pytest.approx(798 / 839, abs=1e-4)
    # verdict: 5 changed; A pass/coach/fail 20/14/7, B 21/13/7: kappa = (36·41 − 651) / (1681 − 651) = 825/1030
    assert f["verdict"]["kappa"] == pytest.approx(825 / 1030, abs=1e-4)
    assert f["verdict"]["a_values"] == {"coach": 14, "fail": 7, "pass": 20}
    # banned (any), per agent message: B adds a filler on one message; 14 vs 15 of 190
    assert f["banned.any"]["n"] == 190 and f["banned.any"]["unit"] == "agent message"
    assert f["banned.any"]["kappa"] == pytest.approx(4900 / 5090, abs=1e-4)
    assert f["hold.given"]["kappa"] == 1.0
    assert f["banned.pressure"]["kappa"] is None          # nobody used it: undefined, agreement total
    lines = [json.loads(x) for x in out_file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 15 == sum(r["disagreements"] for r in rep["fields"])
    d = next(x for x in lines if x["id"] == "zct-0068" and x["field"] == "apology.given")
    assert (d["a"], d["b"], d["a_value"], d["b_value"]) == (False, True, "owed_missing", "owed_given")
    assert "久等了" in d["a_note"] and "久等了" in d["b_note"]
    d = next(x for x in lines if x["id"] == "ev-zh-10")
    assert (d["field"], d["turn"], d["a_categories"], d["b_categories"]) == ("banned.blame", 3, ["why"], ["blame", "why"])


def test_agree_table_and_conversations_option(tmp_path, run_qa):
    chats = DEVSET / "chats.jsonl"
    a = [json.loads(x) for x in (DEVSET / "labels-a.jsonl").read_text(encoding="utf-8").splitlines()]
    b = [json.loads(x) for x in (DEVSET / "labels-b.jsonl").read_text(encoding="utf-8").splitlines()]
    for name, recs in (("a", a), ("b", b)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs
                                                        if r["corpus"] == "eval-chats"), encoding="utf-8")
    code, out, _ = run_qa("eval", "agree", tmp_path / "a.jsonl", tmp_path / "b.jsonl", "--conversations", chats)
    assert code == 0
    assert out.startswith("13 conversation(s) labelled in both passes")
    assert "banned.any" in out and "verdict" in out
    assert "disagreement(s) (--disagreements FILE writes them for adjudication)" in out

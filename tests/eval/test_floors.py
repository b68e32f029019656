"""Floors: pinned figures a rubric must keep on the devset (``qa eval floors``, ``--pin-floors``)."""

import json
from pathlib import Path

import pytest

from qa import Registry
from qa.errors import ConfigError
from qa.eval.floors import check, current_floors, load_floors

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"
DEVSET = DATA / "devset"
ROOT = Path(__file__).resolve().parents[2]


def test_the_test_devsets_floors_hold(run_qa):
    code, out, _ = run_qa("eval", "floors", DEVSET / "floors.yaml")
    assert code == 0, out
    assert "../rubric.yaml (test, 19 conversations): " in out


def test_a_rubric_change_that_loses_recall_fails(tmp_path, run_qa):
    text = (DATA / "rubric.yaml").read_text(encoding="utf-8")
    worse = tmp_path / "worse.yaml"
    worse.write_text(text.replace("phrases: [不知道, \"don't know\"]", "phrases: [不知道]"), encoding="utf-8")
    floors = (DEVSET / "floors.yaml").read_text(encoding="utf-8").replace('"../rubric.yaml":', f'"{worse}":')
    floors = floors.replace("  labels: labels.jsonl", f"  labels: {DEVSET}/labels.jsonl\n"
                            f"  devset: {DEVSET}")
    (tmp_path / "floors.yaml").write_text(floors, encoding="utf-8")
    code, out, _ = run_qa("eval", "floors", tmp_path / "floors.yaml")
    assert code == 1
    # the English "I don't know" is no longer found: banned (any) recall 7/8 → 6/8
    assert "banned.any recall 0.7500 is below its floor 0.875" in out
    code, out, _ = run_qa("eval", "floors", tmp_path / "floors.yaml", "-f", "json")
    rep = json.loads(out)
    assert code == 1 and not rep["passed"]
    assert {(s["metric"], s["stat"]) for s in rep["entries"][0]["below"]} >= {("banned.any", "recall")}


def test_pin_floors_writes_what_floors_then_checks(tmp_path, run_qa):
    path = tmp_path / "floors.yaml"
    code, _, err = run_qa("eval", DATA / "rubric.yaml", "--devset", DEVSET, "--split", "train", "--language", "zh",
                          "--pin-floors", path)
    assert code == 0 and f"in {path}" in err
    entries = load_floors(path)
    assert len(entries) == 1
    e = entries[0]
    assert (e.split, e.languages, e.devset.resolve()) == ("train", ("zh",), DEVSET.resolve())
    assert ("banned.any", "precision") in e.floors and ("courtesy.closing", "balanced_accuracy") in e.floors
    assert all(v > 0 for v in e.floors.values())
    code, out, _ = run_qa("eval", "floors", path)
    assert code == 0 and "(train, " in out
    # pinning another rubric keeps the first entry
    code, _, _ = run_qa("eval", "zh-customer-service", "--devset", DEVSET, "--split", "train", "--pin-floors", path)
    assert [x.rubric for x in load_floors(path)] == [e.rubric, "zh-customer-service"]


def test_current_floors_pick_the_headline_figures():
    report = {"metrics": [
        {"id": "banned.any", "family": "banned", "precision": {"value": 0.91234}, "recall": {"value": 0.5}},
        {"id": "banned.why", "family": "banned", "precision": {"value": 1.0}, "recall": {"value": 1.0}},
        {"id": "rule:courtesy.hold.ask", "family": "courtesy", "balanced_accuracy": {"value": 0.7}},
        {"id": "courtesy.hold", "family": "courtesy", "balanced_accuracy": {"value": 0.8}, "precision": {"value": 1}},
        {"id": "complaint.any", "family": "complaints", "precision": {"value": None}, "recall": {"value": 0.0},
         "f1": {"value": 0.25}},
        {"id": "complaint.fees", "family": "complaints", "precision": {"value": 0.5}, "recall": {"value": 0.5}},
        {"id": "verdict.pass", "family": "verdict", "kappa": 0.0},
        {"id": "verdict.fail", "family": "verdict", "kappa": 0.4567}],
        "complaint_types": {"macro_f1": 0.7777, "types": 6}}
    assert current_floors(report) == {"banned.any": {"precision": 0.912, "recall": 0.5},
                                      "courtesy.hold": {"balanced_accuracy": 0.8}, "complaint.any": {"f1": 0.25},
                                      "verdict.fail": {"kappa": 0.456}, "complaint.types": {"macro_f1": 0.777}}


def test_floors_file_mistakes_name_the_line(tmp_path):
    p = tmp_path / "floors.yaml"
    p.write_text("r:\n  labels: l.jsonl\n  floors:\n    banned.any: {precison: 0.9}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"floors.yaml:4 \[r.floors.banned.any.precison\]: unknown statistic"):
        load_floors(p)
    p.write_text("r:\n  labels: l.jsonl\n  floors:\n    banned.anyy: {precision: 0.9}\n", encoding="utf-8")
    e = load_floors(p)[0]
    with pytest.raises(ConfigError, match=r"floors.yaml:4 \[r.floors.banned.anyy\]: no figure 'banned.anyy'"):
        check(e, {"metrics": [{"id": "banned.any", "precision": {"value": 1.0}}]})
    p.write_text("r:\n  labels: l.jsonl\n  floors:\n    banned.any: {precision: 2}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="between -1 and 1"):
        load_floors(p)


def test_an_undefined_figure_fails_its_floor(tmp_path):
    p = tmp_path / "floors.yaml"
    p.write_text("r:\n  labels: l.jsonl\n  floors:\n    banned.any: {precision: 0.5}\n", encoding="utf-8")
    below = check(load_floors(p)[0], {"metrics": [{"id": "banned.any", "precision": {"value": None}}]})
    assert [str(s) for s in below] == ["banned.any precision undefined is below its floor 0.5"]


def test_the_devsets_pinned_floors_hold(run_qa):
    """CI: the shipped rubrics keep the figures pinned in corpora/devset/floors.yaml on the frozen test split."""
    path = ROOT / "corpora" / "devset" / "floors.yaml"
    entries = load_floors(path)
    assert entries, f"no floors pinned in {path}"
    from qa.eval.devset import default_data_dir, load_devset

    for e in entries:
        ds = load_devset(e.devset, readers=Registry.build().readers)
        if ds.needs_shared_data(ds.entries) and not default_data_dir(ds.root).is_dir():
            pytest.skip(f"shared research data not found at {default_data_dir(ds.root)} (set QA_SHARED_DATA)")
    code, out, _ = run_qa("eval", "floors", path)
    assert code == 0, out

"""`qa score --db`: every scoring path stores its run in the history store, idempotently, on each engine."""

import re
from pathlib import Path

from qa.store import Store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "zh-chat-timed" / "sample.jsonl"


def _runs(db):
    with Store(db) as st:
        return st.runs()


def test_streamed_output_and_resumable_output_land_in_one_run(run_qa, db, tmp_path):
    code, _, err = run_qa("score", SAMPLE, "-r", "zh-customer-service", "-f", "csv", "-o", tmp_path / "r.csv",
                          "--db", db, "--jobs", "1")
    assert code == 0, err
    assert re.search(r"history: run \d+ stored in ", err), err
    [run] = _runs(db)
    assert run["conversations"] == 200
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("qa.db")) == ["r.csv"]  # no temp copy

    code, _, err = run_qa("score", SAMPLE, "-r", "zh-customer-service", "-o", tmp_path / "r.jsonl", "--db", db,
                          "--jobs", "1")
    assert code == 0, err
    assert f"history: run {run['id']} replaced (same input and rubric)" in err
    [again] = _runs(db)
    assert again["conversations"] == 200 and again["id"] == run["id"]


def test_a_different_rubric_is_a_new_run(run_qa, db, tmp_path):
    for rubric in ("zh-customer-service", "cs-timing-zh"):
        code, _, err = run_qa("score", SAMPLE, "-r", rubric, "-o", tmp_path / f"{rubric}.jsonl", "--db", db)
        assert code == 0, err
    assert [r["rubric_id"] for r in _runs(db)] == ["zh-customer-service", "cs-timing-zh"]

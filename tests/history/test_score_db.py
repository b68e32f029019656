"""`qa score --db`: every scoring path stores its run in the history store, idempotently."""

from pathlib import Path

from qa.store import Store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "zh-chat-timed" / "sample.jsonl"


def _runs(db):
    with Store(str(db)) as st:
        return st.runs()


def test_streamed_output_and_resumable_output_land_in_one_run(run_qa, tmp_path):
    db = tmp_path / "qa.db"
    code, _, err = run_qa("score", SAMPLE, "-r", "zh-customer-service", "-f", "csv", "-o", tmp_path / "r.csv",
                          "--db", db, "--jobs", "1")
    assert code == 0, err
    assert "history: run 1 stored" in err
    [run] = _runs(db)
    assert run["conversations"] == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qa.db", "r.csv"]  # the temporary copy is gone

    code, _, err = run_qa("score", SAMPLE, "-r", "zh-customer-service", "-o", tmp_path / "r.jsonl", "--db", db,
                          "--jobs", "1")
    assert code == 0, err
    assert "history: run 1 replaced (same input and rubric)" in err
    [again] = _runs(db)
    assert again["conversations"] == 200 and again["id"] == run["id"]


def test_a_different_rubric_is_a_new_run(run_qa, tmp_path):
    db = tmp_path / "qa.db"
    for rubric in ("zh-customer-service", "cs-timing-zh"):
        code, _, err = run_qa("score", SAMPLE, "-r", rubric, "-o", tmp_path / f"{rubric}.jsonl", "--db", db)
        assert code == 0, err
    assert [r["rubric_id"] for r in _runs(db)] == ["zh-customer-service", "cs-timing-zh"]

"""History store under concurrency: two processes writing at once and a reader during the writes."""

import multiprocessing
import sqlite3

import pytest

store = pytest.importorskip("qa.store")


def _result(run: int, k: int) -> dict:
    return {"conversation_id": f"r{run}-c{k}", "agent_id": f"A{k % 5}", "team": "T1", "channel": "chat",
            "language": "zh", "started_at": None, "turns": 4, "rubric": {"id": "zh", "version": "1", "hash": "h"},
            "score": 90.0 - k % 7, "max_score": 100.0, "passed": True, "fatal": False, "sections": {},
            "findings": [{"rule": "ban.x", "checker": "phrase", "severity": "minor", "points": 1.0, "tags": [],
                          "turn": 1, "span": [0, 2], "time": None, "evidence": "不能", "message": "m"}],
            "not_applicable": [], "not_applicable_reasons": {}, "labels": {"complaint_types": []}, "metrics": {}}


def _writer(db: str, run: int, n: int) -> None:
    store.record_run(db, (_result(run, k) for k in range(n)), input_fingerprint=f"input-{run}", source=f"s{run}")


def test_two_writers_and_a_reader_lose_nothing(tmp_path):
    db = str(tmp_path / "history.db")
    with store.open_store(db):
        pass
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(db, run, 1500)) for run in (1, 2)]
    for p in procs:
        p.start()
    reads = []
    while any(p.is_alive() for p in procs):
        con = sqlite3.connect(db, timeout=30)
        try:
            reads.append(con.execute("PRAGMA quick_check").fetchone()[0])
        finally:
            con.close()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert set(reads) <= {"ok"}
    with store.open_store(db) as s:
        runs = s.runs()
        assert len(runs) == 2
        ids = [r["conversation_id"] for run in runs for r in s.results(run["id"])]
    assert len(ids) == len(set(ids)) == 3000
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

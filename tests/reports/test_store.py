"""History store: schema, idempotent re-recording, reviews, comparison, concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from qa.results.history import compare_runs
from qa.results.reviews import apply_reviews
from qa.store import SCHEMA_VERSION, Store, StoreError, finding_key, record_run
from tests.reports.results_factory import RUBRIC, finding, result


def _results(n=3, rubric_hash="h-test", refusal_in=("c1",)):
    out = []
    for k in range(n):
        cid = f"c{k + 1}"
        fs = [finding("ban.refusal", turn=1, span=(3, 6))] if cid in refusal_in else []
        r = result(cid, agent=f"A{k % 2 + 1}", score=95.0 if fs else 100.0, findings=fs)
        r["rubric"] = {**RUBRIC, "hash": rubric_hash}
        out.append(r)
    return out


def _count(db, table):
    return sqlite3.connect(db).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_schema_version_and_tables(tmp_path):
    db = str(tmp_path / "qa.db")
    with Store(db) as st:
        assert st.schema_version == SCHEMA_VERSION
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "results", "findings", "reviews"} <= names


def test_rerecording_same_input_and_rubric_is_idempotent(tmp_path):
    db = str(tmp_path / "qa.db")
    first = record_run(db, _results())
    again = record_run(db, _results())
    assert first.created and not again.created and again.id == first.id
    assert _count(db, "runs") == 1 and _count(db, "results") == 3 and _count(db, "findings") == 1
    changed_rubric = record_run(db, _results(rubric_hash="h-other", refusal_in=("c1", "c2")))
    assert changed_rubric.created and changed_rubric.id != first.id
    assert _count(db, "runs") == 2 and _count(db, "results") == 6 and _count(db, "findings") == 3
    with Store(db) as st:
        runs = st.runs()
        assert [r["conversations"] for r in runs] == [3, 3]
        assert runs[1]["rubric_hash"] == "h-other" and runs[1]["findings"] == 2
        assert runs[0]["mean_score"] == pytest.approx((95 + 100 + 100) / 3)
        latest = {r["conversation_id"]: r["score"] for r in st.results()}
        assert latest == {"c1": 95.0, "c2": 95.0, "c3": 100.0}


def test_explicit_fingerprint_distinguishes_inputs(tmp_path):
    db = str(tmp_path / "qa.db")
    a = record_run(db, _results(), input_fingerprint="file-a")
    b = record_run(db, _results(), input_fingerprint="file-b")
    assert a.id != b.id and _count(db, "runs") == 2


def test_compare_names_changed_conversations_agents_and_rules(tmp_path):
    db = str(tmp_path / "qa.db")
    a = record_run(db, _results())
    b = record_run(db, _results(rubric_hash="h2", refusal_in=("c2", "c3")))
    with Store(db) as st:
        cmp = compare_runs(st, a.id, b.id)
    assert [c["conversation_id"] for c in cmp["changed"]] == ["c1", "c2", "c3"]
    c1 = next(c for c in cmp["changed"] if c["conversation_id"] == "c1")
    assert c1["delta"] == 5.0 and c1["rules_removed"] == {"ban.refusal": 1} and c1["rules_added"] == {}
    assert cmp["rules"] == [{"rule": "ban.refusal", "added": 2, "removed": 1, "conversations": 3}]
    assert {a["agent_id"]: a["changed"] for a in cmp["agents"]} == {"A1": 2, "A2": 1}
    assert cmp["unchanged"] == 0


def test_reviews_override_findings_and_manual_scores(tmp_path):
    db = str(tmp_path / "qa.db")
    record_run(db, _results())
    with Store(db) as st:
        r1 = st.latest_result("c1")
        key = finding_key(r1["findings"][0])
        assert key == "ban.refusal@1:3-6"
        st.add_review("c1", "wrong", finding=key, comment="这是解释，不是拒绝", reviewer="lead")
        st.add_review("c3", "score", score=60, comment="客户被挂断")
        with pytest.raises(StoreError, match="needs the finding"):
            st.add_review("c2", "wrong")
        reviewed = {r["conversation_id"]: r for r in apply_reviews(st.results(), st.reviews())}
    c1 = reviewed["c1"]
    assert c1["findings"] == [] and c1["overridden_findings"][0]["review"]["comment"] == "这是解释，不是拒绝"
    assert "review_note" in c1          # the test rubric hash is not loadable, so the score is kept
    assert reviewed["c3"]["score"] == 60.0 and reviewed["c3"]["automatic_score"] == 100.0
    assert "reviews" not in reviewed["c2"]


def test_reviews_rescore_with_the_rubric():
    from qa import rubric_from_text

    rb = rubric_from_text(textwrap.dedent("""\
        id: t
        version: "1"
        scoring: {base: 100, pass_mark: 80}
        rules:
          - {id: ban.refusal, checker: phrase, title: 拒绝, points: 30, phrases: [没办法], severity: major}
        """))
    r = result("c1", score=70.0, passed=False, findings=[finding("ban.refusal", severity="major", points=30)])
    r["rubric"] = rb.ref()
    rv = [{"id": 1, "conversation_id": "c1", "verdict": "wrong", "finding_key": finding_key(r["findings"][0])}]
    out = next(apply_reviews([r], rv, rubric=rb))
    assert out["score"] == 100.0 and out["passed"] is True and out["automatic_score"] == 70.0
    rv.append({"id": 2, "conversation_id": "c1", "verdict": "score", "score": 75})
    out = next(apply_reviews([r], rv, rubric=rb))
    assert out["score"] == 75.0 and out["passed"] is False     # under the pass mark of 80


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_text("hello, not sqlite" * 100)
    with pytest.raises(StoreError, match="x.db"):
        Store(str(bad))
    with pytest.raises(StoreError, match="no run 7"):
        with Store(str(tmp_path / "ok.db")) as st:
            st.run(7)


WRITER = textwrap.dedent("""\
    import json, sys
    from qa.store import record_run
    from tests.reports.results_factory import result
    tag, db, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for k in range(runs):
        rs = [result(f"{tag}-{k}-{i}", agent=tag, score=90.0) for i in range(40)]
        record_run(db, rs, input_fingerprint=f"{tag}-{k}")
    print("ok")
    """)


def test_two_processes_writing_at_once(tmp_path):
    db = str(tmp_path / "shared.db")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    import os
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [subprocess.Popen([sys.executable, str(script), tag, db, "15"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for tag in ("P", "Q")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert _count(db, "runs") == 30 and _count(db, "results") == 30 * 40
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_run = con.execute("SELECT min(conversations), max(conversations) FROM runs").fetchone()
    assert per_run == (40, 40)
    assert json.loads(con.execute("SELECT data FROM results LIMIT 1").fetchone()[0])["score"] == 90.0


def test_migrations_upgrade_an_older_file_in_place(tmp_path, monkeypatch):
    import qa.store as store

    db = str(tmp_path / "old.db")
    record_run(db, _results())
    added = "ALTER TABLE runs ADD COLUMN note TEXT; UPDATE runs SET note = 'migrated'"
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, added])
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(store.MIGRATIONS))
    with store.Store(db) as st:
        assert st.schema_version == 2
        assert [(r["conversations"], r["note"]) for r in st.runs()] == [(3, "migrated")]
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    with pytest.raises(StoreError, match="newer than this qa"):
        store.Store(db)


def _create_and_write(paths, tag, barrier, errors):
    for k, path in enumerate(paths):
        barrier.wait()
        try:
            record_run(path, [result(f"{tag}-{k}-{i}", agent=tag) for i in range(5)], input_fingerprint=tag)
        except Exception as exc:  # noqa: BLE001 - the parent reports what went wrong
            errors.put(f"{tag} round {k}: {type(exc).__name__}: {exc}")


def test_processes_creating_the_same_new_database_at_once(tmp_path):
    """6 processes open one brand-new file at the same instant, 20 times: schema creation and the WAL switch
    race each other; every process must get through and every run must land."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs, rounds = 6, 20
    paths = [str(tmp_path / f"new-{k}.db") for k in range(rounds)]
    barrier, errors = ctx.Barrier(procs), ctx.Queue()
    workers = [ctx.Process(target=_create_and_write, args=(paths, f"P{p}", barrier, errors)) for p in range(procs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    assert [w.exitcode for w in workers] == [0] * procs
    for path in paths:
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = con.execute("SELECT input_fingerprint, conversations FROM runs ORDER BY input_fingerprint").fetchall()
        assert runs == [(f"P{p}", 5) for p in range(procs)]
        assert con.execute("SELECT count(*) FROM results").fetchone()[0] == procs * 5
        con.close()

"""History store on both engines: schema and migrations, idempotent re-recording, reviews, comparison."""

from __future__ import annotations

import textwrap

import pytest

from qa.results.history import compare_runs
from qa.results.reviews import apply_reviews
from qa.store import SCHEMA_VERSION, Store, StoreError, finding_key, record_run, schema
from tests.history.helpers import count, sample_results
from tests.results.results_factory import finding, result

TABLES = {"runs", "results", "findings", "complaints", "reviews"}
VIEWS = {"latest_results", "agent_day", "complaint_day", "rule_day"}


def _objects(st: Store) -> tuple[set[str], set[str]]:
    if st.engine.name == "sqlite":
        rows = st.query("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')")
        return ({r["name"] for r in rows if r["type"] == "table"}, {r["name"] for r in rows if r["type"] == "view"})
    rows = st.query("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ?",
                    (schema.PG_SCHEMA,))
    return ({r["table_name"] for r in rows if r["table_type"] == "BASE TABLE"},
            {r["table_name"] for r in rows if r["table_type"] == "VIEW"})


def test_schema_version_tables_and_views(db):
    with Store(db) as st:
        assert st.schema_version == SCHEMA_VERSION
        tables, views = _objects(st)
        assert TABLES <= tables and views == VIEWS
        if st.engine.name == "sqlite":
            assert st.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
        else:
            applied = st.query("SELECT version, description FROM schema_version ORDER BY version")
            assert [(r["version"], r["description"]) for r in applied] == [
                (k + 1, m.description) for k, m in enumerate(schema.MIGRATIONS)]
            assert tables == TABLES | {"schema_version"}


def test_rerecording_same_input_and_rubric_is_idempotent(db):
    first = record_run(db, sample_results())
    again = record_run(db, sample_results())
    assert first.created and not again.created and again.id == first.id
    assert (count(db, "runs"), count(db, "results"), count(db, "findings")) == (1, 3, 1)
    changed_rubric = record_run(db, sample_results(rubric_hash="h-other", refusal_in=("c1", "c2")))
    assert changed_rubric.created and changed_rubric.id > first.id
    assert (count(db, "runs"), count(db, "results"), count(db, "findings")) == (2, 6, 3)
    with Store(db) as st:
        runs = st.runs()
        assert [r["conversations"] for r in runs] == [3, 3]
        assert runs[1]["rubric_hash"] == "h-other" and runs[1]["findings"] == 2
        assert runs[0]["mean_score"] == pytest.approx((95 + 100 + 100) / 3)
        latest = {r["conversation_id"]: r["score"] for r in st.results()}
        assert latest == {"c1": 95.0, "c2": 95.0, "c3": 100.0}


def test_replacing_a_run_with_a_known_fingerprint_keeps_its_id_and_creation_time(db):
    first = record_run(db, sample_results(), input_fingerprint="file-a", source="night 1")
    with Store(db) as st:
        created = st.run(first.id)["created_at"]
    again = record_run(db, sample_results(refusal_in=("c2", "c3")), input_fingerprint="file-a")
    assert (again.id, again.created) == (first.id, False)
    with Store(db) as st:
        run = st.run(first.id)
        assert run["created_at"] == created and run["source"] == "night 1" and run["findings"] == 2
        assert {r["conversation_id"]: len(r["findings"]) for r in st.results(first.id)} == {"c1": 0, "c2": 1, "c3": 1}
    assert count(db, "findings") == 2


def test_explicit_fingerprint_distinguishes_inputs(db):
    a = record_run(db, sample_results(), input_fingerprint="file-a")
    b = record_run(db, sample_results(), input_fingerprint="file-b")
    assert a.id != b.id and count(db, "runs") == 2


def test_a_conversation_twice_in_one_run_keeps_the_last(db):
    rs = sample_results(refusal_in=("c1",))
    again = result("c1", agent="A9", score=80.0, findings=[finding("ban.x"), finding("ban.y")],
                   complaints=["物流"])
    record_run(db, [*rs, again])
    with Store(db) as st:
        c1 = st.latest_result("c1")
        assert (c1["agent_id"], [f["rule"] for f in c1["findings"]]) == ("A9", ["ban.x", "ban.y"])
        assert st.query("SELECT rule FROM findings WHERE conversation_id = ? ORDER BY idx", ("c1",)) == [
            {"rule": "ban.x"}, {"rule": "ban.y"}]
        assert st.query("SELECT complaint_type FROM complaints") == [{"complaint_type": "物流"}]
    assert count(db, "results") == 3


def test_results_that_are_not_score_results_are_refused_and_nothing_is_stored(db):
    with pytest.raises(StoreError, match="not a score result"):
        record_run(db, [*sample_results(), {"conversation_id": "x"}])
    assert (count(db, "runs"), count(db, "results")) == (0, 0)


def test_compare_names_changed_conversations_agents_and_rules(db):
    a = record_run(db, sample_results())
    b = record_run(db, sample_results(rubric_hash="h2", refusal_in=("c2", "c3")))
    with Store(db) as st:
        cmp = compare_runs(st, a.id, b.id)
        assert st.resolve_run("latest") == b.id and st.resolve_run("latest~1") == a.id
    assert [c["conversation_id"] for c in cmp["changed"]] == ["c1", "c2", "c3"]
    c1 = next(c for c in cmp["changed"] if c["conversation_id"] == "c1")
    assert c1["delta"] == 5.0 and c1["rules_removed"] == {"ban.refusal": 1} and c1["rules_added"] == {}
    assert cmp["rules"] == [{"rule": "ban.refusal", "added": 2, "removed": 1, "conversations": 3}]
    assert {a["agent_id"]: a["changed"] for a in cmp["agents"]} == {"A1": 2, "A2": 1}
    assert cmp["unchanged"] == 0


def test_latest_results_put_conversations_without_a_start_first(db):
    rs = sample_results()
    rs[1]["started_at"] = None
    rs[0]["started_at"] = "2026-11-04T09:00:00+08:00"
    record_run(db, rs)
    with Store(db) as st:
        assert [r["conversation_id"] for r in st.results()] == ["c2", "c3", "c1"]


def test_reviews_override_findings_and_manual_scores(db):
    record_run(db, sample_results())
    with Store(db) as st:
        r1 = st.latest_result("c1")
        key = finding_key(r1["findings"][0])
        assert key == "ban.refusal@1:3-6"
        st.add_review("c1", "wrong", finding=key, comment="这是解释，不是拒绝", reviewer="lead")
        st.add_review("c3", "score", score=60, comment="客户被挂断")
        with pytest.raises(StoreError, match="needs the finding"):
            st.add_review("c2", "wrong")
        reviewed = {r["conversation_id"]: r for r in apply_reviews(st.results(), st.reviews())}
        assert [rv["id"] for rv in st.reviews()] == [1, 2] and st.reviews("c3")[0]["score"] == 60.0
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


def test_unknown_runs_and_conversations_are_clear_errors(db):
    with Store(db) as st:
        with pytest.raises(StoreError, match="no run 7"):
            st.run(7)
        with pytest.raises(StoreError, match="the database has 0 run"):
            st.run("latest")
        with pytest.raises(StoreError, match="not in the history"):
            st.latest_result("c9")


def test_not_a_sqlite_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_text("hello, not sqlite" * 100)
    with pytest.raises(StoreError, match="x.db"):
        Store(str(bad))


V1_RUN = ("INSERT INTO runs (created_at, updated_at, rubric_id, rubric_version, rubric_hash, input_fingerprint, "
          "conversations, passed, fatal, findings, mean_score) VALUES (?, ?, 'zh', '1', 'h', 'fp', 2, 2, 0, 1, 97.5)")
V1_RESULT = ("INSERT INTO results (run_id, conversation_id, agent_id, team, channel, started_at, score, max_score, "
             "passed, fatal, data) VALUES (1, ?, 'A1', 'T1', 'chat', ?, ?, 100, ?, ?, ?)")


def _version_1_database(db, monkeypatch, rs):
    """A history written by qa before migration 2: the first schema, with rows as that version wrote them."""
    import json

    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        with Store(db) as st:
            eng = st.engine
            with eng.transaction():
                now = eng.timestamp(__import__("datetime").datetime(2026, 11, 1, 8, 0))
                eng.execute(V1_RUN, (now, now))
                for r in rs:
                    flag = r["passed"] if eng.name == "postgresql" else int(r["passed"])
                    eng.execute(V1_RESULT, (r["conversation_id"], r["started_at"], r["score"], flag,
                                            False if eng.name == "postgresql" else 0,
                                            json.dumps(r, ensure_ascii=False)))
            assert st.schema_version == 1


def test_migrations_upgrade_an_older_database_in_place(db, monkeypatch):
    rs = [result("c1", score=95.0, findings=[finding("timing.first_response", tags=("timing",))],
                 complaints=[{"type": "service_attitude", "title": "服务态度"}], metrics={"first_response_s": 90}),
          result("c2", started="2026-11-04T23:30:00+08:00", metrics={"first_response_s": 5, "handle_time_s": 300})]
    _version_1_database(db, monkeypatch, rs)
    with Store(db) as st:               # migration 2 runs and fills the new columns from the stored results
        assert st.schema_version == SCHEMA_VERSION
        got = st.query("SELECT conversation_id, day, finding_count, sla_met, first_response_s, handle_time_s "
                       "FROM results ORDER BY conversation_id")
        flags = [bool(r["sla_met"]) for r in got]
        assert [(r["day"], r["finding_count"], r["first_response_s"], r["handle_time_s"]) for r in got] == [
            ("2026-11-03", 1, 90.0, None), ("2026-11-04", 0, 5.0, 300.0)]
        assert flags == [False, True]
        assert st.query("SELECT * FROM complaints") == [
            {"run_id": 1, "conversation_id": "c1", "complaint_type": "service_attitude", "title": "服务态度"}]
        assert [(r["day"], r["conversations"], r["complaints"]) for r in st.query(
            "SELECT * FROM agent_day ORDER BY day")] == [("2026-11-03", 1, 1), ("2026-11-04", 1, 0)]
        assert [r["conversation_id"] for r in st.results(1)] == ["c1", "c2"]

    added = schema.Migration("a note on runs", sqlite="ALTER TABLE runs ADD COLUMN note TEXT; "
                                                      "UPDATE runs SET note = 'migrated'",
                             postgresql="ALTER TABLE runs ADD COLUMN note text; UPDATE runs SET note = 'migrated'")
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, added])
    with Store(db) as st:
        assert st.schema_version == SCHEMA_VERSION + 1
        assert [(r["conversations"], r["note"]) for r in st.runs()] == [(2, "migrated")]
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with pytest.raises(StoreError, match="newer than this qa"):
        Store(db)


def test_a_failing_migration_changes_nothing(db, monkeypatch):
    record_run(db, sample_results())
    broken = schema.Migration("broken", sqlite="ALTER TABLE runs ADD COLUMN note TEXT; SELECT * FROM nowhere",
                              postgresql="ALTER TABLE runs ADD COLUMN note text; SELECT * FROM nowhere")
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(StoreError, match="nowhere"):
        Store(db)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
    with Store(db) as st:
        assert st.schema_version == SCHEMA_VERSION and "note" not in st.runs()[0]


def test_text_with_nul_characters_is_stored(db):
    """PostgreSQL text cannot hold NUL: the finding and result columns get U+FFFD there, the result's JSON
    keeps the exact text on both engines."""
    record_run(db, [result("c\x001", agent="A\x001", findings=[finding("ban.x", evidence="没\x00办法")])])
    with Store(db) as st:
        [r] = list(st.results())
        assert (r["conversation_id"], r["agent_id"], r["findings"][0]["evidence"]) == ("c\x001", "A\x001", "没\x00办法")
        nul = "\x00" if st.engine.name == "sqlite" else "\ufffd"
        assert st.query("SELECT evidence FROM findings") == [{"evidence": f"没{nul}办法"}]
        assert st.query("SELECT agent_id FROM results") == [{"agent_id": f"A{nul}1"}]

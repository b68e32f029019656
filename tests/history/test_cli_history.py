"""The commands that read and write history — score --db, history, review, calibrate, scorecard --db —
end to end on each engine, the [tool.qa] db setting, PG* environment variables, redaction, and
`qa history export` from SQLite into PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qa.store import Store
from tests.history.helpers import count
from tests.results.results_factory import RUBRIC, finding, month, result

ROOT = Path(__file__).resolve().parents[2]
PII_CHAT = {"id": "p1", "channel": "chat", "language": "zh", "agent_id": "A1", "team": "T1",
            "started_at": "2026-11-03T09:00:00+08:00", "metadata": {"phone": "13800138000"},
            "turns": [{"role": "customer", "text": "你好，我的电话是13800138000，邮箱 li.lei@example.com",
                       "ts": "2026-11-03T09:00:00+08:00"},
                      {"role": "agent", "text": "这个没办法，您自己打13800138000问吧", "ts": "2026-11-03T09:00:20+08:00"}]}
PII = ("13800138000", "li.lei@example.com")


def _run_id(text: str, verb: str = "stored") -> int:
    m = re.search(rf"run (\d+) {verb}", text)
    assert m, text
    return int(m.group(1))


def _edited_month():
    edited = month()
    for r in edited:
        r["rubric"] = {**RUBRIC, "version": "1.1.0", "hash": "h-edited"}
    edited[2]["findings"] = [finding("courtesy.greeting", turn=0, span=None)]
    edited[2]["score"] = 95.0
    return edited


def test_history_import_list_show_trend_compare(run_qa, write_jsonl, db):
    a, b = write_jsonl("a.jsonl", month()), write_jsonl("b.jsonl", _edited_month())
    first = _run_id(run_qa("history", "import", a, "--db", db)[1])
    code, out, _ = run_qa("history", "import", a, "--db", db)
    assert code == 0 and _run_id(out, "replaced") == first
    second = _run_id(run_qa("history", "import", b, "--db", db)[1])
    assert second > first
    runs = json.loads(run_qa("history", "list", "--db", db, "-f", "json")[1])
    assert [(r["id"], r["rubric_hash"], r["conversations"]) for r in runs] == [(first, "h-test", 6),
                                                                               (second, "h-edited", 6)]
    code, out, _ = run_qa("history", "compare", first, second, "--db", db, "-f", "json")
    cmp = json.loads(out)
    assert [c["conversation_id"] for c in cmp["changed"]] == ["c2"]
    assert cmp["rules"] == [{"rule": "courtesy.greeting", "added": 1, "removed": 0, "conversations": 1}]
    code, out, _ = run_qa("history", "compare", "latest~1", "latest", "--db", db)
    assert code == 0 and "c2" in out and "courtesy.greeting" in out and "1 conversation(s) changed" in out
    show = json.loads(run_qa("history", "show", first, "--db", db, "-f", "json")[1])
    assert show["findings_by_rule"] == {"ban.refusal": 2} and show["worst"][0]["score"] == 95.0
    trend = json.loads(run_qa("history", "trend", "--db", db, "--period", "day", "-f", "json")[1])
    assert trend["series"]["A1"]["2026-11-03"]["mean_score"] == 95.0       # the latest run's c2
    code, _, err = run_qa("history", "show", "999", "--db", db)
    assert code == 2 and "no run 999" in err


def test_a_missing_sqlite_history_is_a_clear_error(run_qa, tmp_path):
    for args in (("history", "list"), ("scorecard",), ("calibrate",), ("review", "list")):
        code, _, err = run_qa(*args, "--db", tmp_path / "none.db")
        assert code == 2 and "no history database at" in err and "none.db" in err, args
    assert not (tmp_path / "none.db").exists()


def test_review_changes_later_scorecards(run_qa, write_jsonl, db):
    run_qa("history", "import", write_jsonl("a.jsonl", month()), "--db", db)
    code, out, _ = run_qa("review", "show", "c0", "--db", db)
    assert code == 0 and "1. ban.refusal" in out
    code, out, err = run_qa("review", "finding", "c0", "1", "--wrong", "-m", "解释原因，不是推诿", "--reviewer", "lead",
                            "--db", db)
    assert code == 0, err
    assert "ban.refusal@1:0-3 marked wrong" in out
    code, _, err = run_qa("review", "finding", "c0", "5", "--right", "--db", db)
    assert code == 2 and "no number 5" in err
    assert run_qa("review", "score", "c1", "90", "-m", "客户挂断", "--db", db)[0] == 0
    rows = json.loads(run_qa("scorecard", "--db", db, "--period", "all", "-f", "json")[1])["rows"]
    a1 = next(r for r in rows if r["agent"] == "A1")
    assert a1["findings"] == 1 and a1["reviewed"] == 2
    assert a1["mean_score"] == (95.0 + 90.0 + 100 + 100) / 4      # c0 kept (rubric not loadable), c1 manual
    reviews = json.loads(run_qa("review", "list", "--db", db, "-f", "json")[1])
    assert [(r["verdict"], r["reviewer"]) for r in reviews][0] == ("wrong", "lead")
    code, out, err = run_qa("review", "export", "--db", db, "--pass-mark", "80")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": "c0", "rules": [{"rule": "ban.refusal", "turn": 1, "violated": False, "note": "解释原因，不是推诿"}]},
        {"id": "c1", "verdict": "pass", "note": "客户挂断"}]
    with Store(db) as st:
        assert st.query("SELECT sum(reviewed) AS n FROM agent_day WHERE agent_id = 'A1'") == [{"n": 2}]


def test_calibrate_against_reviews_in_the_db(run_qa, write_jsonl, db):
    rs = [result(f"r{k}", score=95.0, findings=[finding("ban.refusal", turn=1, span=(0, 3))]) for k in range(4)]
    run_qa("history", "import", write_jsonl("a.jsonl", rs), "--db", db)
    for k, verdict in enumerate(("--right", "--right", "--right", "--wrong")):
        assert run_qa("review", "finding", f"r{k}", "ban.refusal", verdict, "--db", db)[0] == 0
    run_qa("review", "finding", "r3", "1", "--right", "--db", db)       # changed their mind: the latest wins
    run_qa("review", "finding", "r2", "1", "--wrong", "--db", db)
    run_qa("review", "score", "r0", "85", "--db", db)
    code, out, err = run_qa("calibrate", "--db", db, "-f", "json")
    assert code == 0, err
    rep = json.loads(out)
    rule = rep["rules"][0]
    assert (rule["tp"], rule["fp"]) == (3, 1) and rule["precision"] == 0.75 and rule["false_alarms"] == ["r2"]
    assert rep["scores"] == {"n": 1, "mae": 10.0, "max_abs_error": 10.0}
    assert run_qa("calibrate")[0] == 2


def test_the_db_setting_in_the_config(run_qa, write_jsonl, db, tmp_path, monkeypatch):
    (tmp_path / "qa.toml").write_text(f'db = "{db}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_qa("history", "import", write_jsonl("a.jsonl", month()))
    assert code == 0, err
    assert [r["conversations"] for r in json.loads(run_qa("history", "list", "-f", "json")[1])] == [6]
    assert count(db, "results") == 6


def test_score_redact_keeps_personal_data_out_of_the_history(run_qa, write_jsonl, db, tmp_path):
    chats = write_jsonl("chats.jsonl", [PII_CHAT])
    code, _, err = run_qa("score", chats, "-r", "zh-customer-service", "-o", tmp_path / "r.jsonl", "--redact",
                          "--db", db)
    assert code == 0, err
    with Store(db) as st:
        stored = json.dumps([st.query("SELECT * FROM results"), st.query("SELECT * FROM findings")],
                            ensure_ascii=False, default=str)
    assert "[PHONE]" in stored and "ban.refusal" in stored
    assert not [p for p in PII if p in stored]


def test_score_without_redact_stores_what_it_scored(run_qa, write_jsonl, db, tmp_path):
    """The counterpart of the test above: without --redact the evidence is stored as it was said."""
    chats = write_jsonl("chats.jsonl", [PII_CHAT])
    assert run_qa("score", chats, "-r", "zh-customer-service", "-o", tmp_path / "r.jsonl", "--db", db)[0] == 0
    with Store(db) as st:
        assert "13800138000" in json.dumps(st.query("SELECT evidence FROM findings"), ensure_ascii=False)


# ---------------------------------------------------------------- PostgreSQL only


def test_postgres_url_from_pg_environment_variables(run_qa, write_jsonl, pg_db, monkeypatch):
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(pg_db)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("dbname", "PGDATABASE")):
        monkeypatch.setenv(var, str(parts[key]))
    code, out, err = run_qa("history", "import", write_jsonl("a.jsonl", month()), "--db", "postgresql://")
    assert code == 0, err
    assert "in postgresql://" in out
    assert count(pg_db, "results") == 6


def test_score_into_postgresql_and_export_a_sqlite_history(run_qa, write_jsonl, pg_db, new_pg_database, tmp_path):
    """A lead's SQLite history (two runs, reviews) copied into PostgreSQL reads back the same everywhere;
    exporting again replaces instead of duplicating; --redact copies without the personal data."""
    lite = tmp_path / "lead.db"
    run_qa("history", "import", write_jsonl("a.jsonl", month()), "--db", lite)
    run_qa("history", "import", write_jsonl("b.jsonl", _edited_month()), "--db", lite)
    run_qa("score", write_jsonl("chats.jsonl", [PII_CHAT]), "-r", "zh-customer-service", "-o", tmp_path / "p.jsonl",
           "--db", lite)
    run_qa("review", "finding", "c0", "1", "--wrong", "-m", "客户留了电话 13800138000", "--reviewer", "lead", "--db", lite)
    run_qa("review", "score", "c1", "90", "--db", lite)

    code, out, err = run_qa("history", "export", "--db", lite, "--to", pg_db)
    assert code == 0, err
    assert "copied 3 run(s), 13 conversation(s) (3 new, 0 replaced), 2 review(s) (0 already there)" in out

    def views(db):
        out = {}
        for cmd in (("history", "list"), ("scorecard", "--period", "day"), ("history", "trend"),
                    ("review", "list"), ("calibrate",), ("history", "compare", "latest~2", "latest~1")):
            code, text, err = run_qa(*cmd, "--db", db, "-f", "json")
            assert code == 0, (cmd, err)
            out[cmd[:2]] = json.loads(text)
        for r in out["history", "list"]:
            r.pop("id"), r.pop("updated_at")
        for r in out["review", "list"]:
            r.pop("id")
        for side in ("run_a", "run_b"):
            for k in ("id", "updated_at"):
                out["history", "compare"][side].pop(k)
        return out

    assert views(pg_db) == views(lite)
    code, out, _ = run_qa("history", "export", "--db", lite, "--to", pg_db)
    assert "(0 new, 3 replaced), 0 review(s) (2 already there)" in out
    assert (count(pg_db, "runs"), count(pg_db, "results"), count(pg_db, "reviews")) == (3, 13, 2)

    redacted = new_pg_database()
    code, out, err = run_qa("history", "export", "--db", lite, "--to", redacted, "--redact")
    assert code == 0 and out.rstrip().endswith("redacted"), err
    with Store(redacted) as st:
        stored = json.dumps([st.query(f"SELECT * FROM {t}") for t in ("results", "findings", "reviews")],
                            ensure_ascii=False, default=str)
    assert "[PHONE]" in stored and "13800138000" not in stored and "li.lei@example.com" not in stored

    back = tmp_path / "back.db"                    # and the way back, PostgreSQL to a SQLite file
    assert run_qa("history", "export", "--db", pg_db, "--to", back)[0] == 0
    assert views(back) == views(lite)
    code, _, err = run_qa("history", "export", "--db", lite, "--to", lite)
    assert code == 2 and "names the history being exported" in err


def test_password_in_the_url_is_never_printed(run_qa, write_jsonl, pg_db):
    with_password = pg_db.replace("qa_test@", "qa_test:s3cret@")   # trust auth: the password is not checked
    code, out, err = run_qa("history", "import", write_jsonl("a.jsonl", month()), "--db", with_password)
    assert code == 0, err
    assert "s3cret" not in out + err and "qa_test:***@" in out
    code, _, err = run_qa("history", "list", "--db", with_password.replace("/qa_test_", "/nowhere_"))
    assert code == 2 and "cannot connect" in err and "s3cret" not in err and "***" in err


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("qa") is None, reason="needs bash and the qa script")
def test_two_nightly_jobs_write_one_history_at_once(db, tmp_path):
    """examples/nightly.sh for two sites' exports, started together, into the same history (README)."""
    sample = ROOT / "corpora" / "zh-chat-timed" / "sample.jsonl"
    if not sample.is_file():
        pytest.skip(f"{sample} is not in this checkout")
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    day = "2026-11-23"
    jobs = []
    for k, site in enumerate(("north", "south")):
        exports = tmp_path / site / "exports"
        (exports / day).mkdir(parents=True)
        (exports / day / f"{site}.jsonl").write_text("".join(lines[k * 60:(k + 1) * 60]), encoding="utf-8")
        env = {**os.environ, "QA_EXPORTS": str(exports), "QA_DB": db, "QA_PUBLISH": str(tmp_path / site / "pub"),
               "QA_DAY": day, "QA_PASS_RATE": "0.5", "QA_BIN": shutil.which("qa")}
        jobs.append(subprocess.Popen(["bash", str(ROOT / "examples" / "nightly.sh")], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outs = [j.communicate(timeout=300) for j in jobs]
    assert [j.returncode for j in jobs] == [0, 0], outs
    with Store(db) as st:
        runs = st.runs()
        assert sorted(r["conversations"] for r in runs) == [60, 60]
        assert st.query("SELECT sum(conversations) AS n FROM agent_day") == [{"n": 120}]

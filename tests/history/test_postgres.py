"""What only the PostgreSQL engine has: the optional driver, URLs and their passwords, connection
failures, the ``qa`` schema and the read-only role docs/history.md tells a DBA to create."""

from __future__ import annotations

import json
import socket
import sys
import uuid

import pytest

from qa.store import Store, StoreError, display, is_postgres, record_run
from tests.history.helpers import sample_results


@pytest.mark.parametrize("url, shown", [
    ("postgresql://qa:s3cret@db.example:5432/qa", "postgresql://qa:***@db.example:5432/qa"),
    ("postgres://qa@db.example/qa?sslmode=require&password=s3cret",
     "postgres://qa@db.example/qa?sslmode=require&password=***"),
    ("postgresql://", "postgresql://"),
    ("postgresql:///qa?host=/var/run/postgresql", "postgresql:///qa?host=/var/run/postgresql"),
    ("history/qa.db", "history/qa.db"),
])
def test_urls_are_shown_without_their_password(url, shown):
    assert display(url) == shown
    assert is_postgres(url) is url.startswith("postgres")


def test_without_the_driver_the_error_names_the_extra(run_qa, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)     # import psycopg now raises ImportError
    with pytest.raises(StoreError, match=r"psycopg driver.*pip install 'qa\[postgres\]'"):
        Store("postgresql://qa@db.example/qa")
    code, _, err = run_qa("history", "list", "--db", "postgresql://qa:s3cret@db.example/qa")
    assert code == 2 and "pip install 'qa[postgres]'" in err and "s3cret" not in err


def test_a_server_that_does_not_answer_is_a_clear_error(run_qa):
    pytest.importorskip("psycopg")
    with socket.socket() as s:             # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run_qa("history", "list", "--db", f"postgresql://qa@127.0.0.1:{port}/qa")
    assert code == 2 and "cannot connect to the history database" in err and f"127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_tables_and_views_live_in_the_qa_schema(pg_db):
    import psycopg

    record_run(pg_db, sample_results())
    with psycopg.connect(pg_db) as conn:        # a BI tool's connection: default search_path, qualified names
        rows = conn.execute("SELECT agent_id, conversations, pass_rate FROM qa.agent_day ORDER BY agent_id").fetchall()
        public = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
    assert rows == [("A1", 2, 1.0), ("A2", 1, 1.0)] and public == (0,)


def test_the_read_only_role_of_the_docs_reads_everything_and_writes_nothing(run_qa, pg_db, postgres_server):
    """The GRANTs docs/history.md gives a DBA for dashboards, run as written."""
    import psycopg
    from psycopg import sql

    record_run(pg_db, sample_results())
    role = f"qa_dashboards_{uuid.uuid4().hex[:8]}"
    dbname = pg_db.rsplit("/", 1)[1]
    grants = [f"CREATE ROLE {role} LOGIN PASSWORD 'change-me'",
              f"GRANT CONNECT ON DATABASE {dbname} TO {role}",
              f"GRANT USAGE ON SCHEMA qa TO {role}",
              f"GRANT SELECT ON ALL TABLES IN SCHEMA qa TO {role}",
              f"ALTER DEFAULT PRIVILEGES IN SCHEMA qa GRANT SELECT ON TABLES TO {role}"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in grants:
            conn.execute(stmt)
    reader = pg_db.replace("qa_test@", f"{role}@")
    try:
        code, out, err = run_qa("history", "list", "--db", reader, "-f", "json")
        assert code == 0, err
        assert [r["conversations"] for r in json.loads(out)] == [3]
        with psycopg.connect(reader) as conn:
            assert conn.execute("SELECT sum(conversations) FROM qa.agent_day").fetchone() == (3,)
            assert conn.execute("SELECT count(*) FROM qa.rule_day").fetchone() == (1,)
        code, _, err = run_qa("review", "score", "c1", "80", "--db", reader)
        assert code == 2 and "permission denied" in err and "Traceback" not in err
    finally:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(sql.Identifier(dbname),
                                                                              sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_connection_the_server_drops_is_a_clear_error(pg_db):
    import psycopg

    with Store(pg_db) as st:
        pid = st.engine.conn.info.backend_pid
        with psycopg.connect(pg_db, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError, match="history database error"):
            st.runs()

"""Fixtures for the history tests: the same test against a SQLite file and a real PostgreSQL database.

The PostgreSQL server is, in order: ``$QA_TEST_POSTGRES_URL`` (``.ci/run`` starts one and sets it); a
throwaway cluster this session starts from the machine's PostgreSQL binaries
(tests/postgres_server.py) and stops at the end. Where neither is possible — no binaries, no psycopg,
or ``$QA_TEST_POSTGRES_UNAVAILABLE`` giving the reason ``.ci/run`` could not start one — the
PostgreSQL half of each test is skipped with that reason. Each test gets a new database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

ENGINES = ["sqlite", "postgresql"]


def _skip(reason: str):
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a PostgreSQL server where tests may create databases (``postgres`` maintenance db)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _skip("the psycopg driver is not installed (pip install 'qa[postgres]')")
    url = os.environ.get("QA_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    reason = os.environ.get("QA_TEST_POSTGRES_UNAVAILABLE")
    if reason:
        _skip(reason)
    from tests import postgres_server as server

    base = tempfile.mkdtemp(prefix="qa-pg-")   # directly under /tmp: the postgres user must reach it
    try:
        url = server.start(base)
    except (server.Unavailable, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        _skip(str(exc))
    try:
        yield url
    finally:
        server.stop(base)
        shutil.rmtree(base, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture
def new_pg_database(postgres_server):
    """``new_pg_database(label)``: the URL of a new, empty database, dropped after the test."""
    import psycopg
    from psycopg import sql

    made = []

    def make(label: str = "") -> str:
        name = f"qa_test_{uuid.uuid4().hex[:12]}"   # the label only matters to SQLite file names
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return with_database(postgres_server, name)

    yield make
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_db(new_pg_database) -> str:
    return new_pg_database()


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def new_db(engine, tmp_path, request):
    """``new_db(name)``: a new, empty history database on the test's engine (a path, or a URL)."""
    if engine == "sqlite":
        return lambda name="qa": str(tmp_path / f"{name}.db")
    return request.getfixturevalue("new_pg_database")


@pytest.fixture
def db(new_db) -> str:
    """A new history database on each engine in turn: a SQLite file, then a PostgreSQL database."""
    return new_db()


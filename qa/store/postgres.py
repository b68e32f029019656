"""The PostgreSQL engine of the history store (optional extra ``qa[postgres]``: psycopg 3).

- Every table and view lives in the schema ``qa`` of the database named by the URL; the connection's
  ``search_path`` is set to it, so the store's SQL is the same as on SQLite (``?`` placeholders are
  turned into psycopg's ``%s``; values are always sent as parameters, never spliced into SQL).
- Runs are written with ``COPY … FROM STDIN`` inside one transaction: a killed writer leaves nothing
  (the server rolls the transaction back when the connection drops); readers see the old run or the
  new one, never a mix.
- Writers run in parallel. Two writers of the *same* run (input fingerprint and rubric hash) queue on
  a transaction-scoped advisory lock keyed by that pair, so the second replaces the first's run
  instead of failing on the unique key. Migrations take another advisory lock, so processes opening
  a new database at once create the schema once.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache

from qa.errors import QAError
from qa.store.schema import PG_SCHEMA
from qa.store.target import display

EXTRA_HINT = "install it with: pip install 'qa[postgres]'"
CONNECT_TIMEOUT_S = 10


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory-lock key for ``parts``."""
    digest = hashlib.sha256("\x1f".join(("qa.history", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


MIGRATION_LOCK = _lock_key("migrate")


@lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """A statement written with ``?`` placeholders in psycopg's ``%s`` style (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _clean(value):
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def clean(row: tuple) -> tuple:
    """``row`` with NUL characters replaced by U+FFFD in its text values (JSON text escapes them itself)."""
    return tuple(map(_clean, row))


def _plain(value):
    """Timestamps and dates read back as ISO text, as the SQLite engine returns them."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _one_line(exc: Exception) -> str:
    return "; ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())


class PostgresEngine:
    name = "postgresql"
    text_holds_nul = False   # PostgreSQL text cannot hold NUL: rows that have one go through :func:`clean`

    def __init__(self, url: str, error: type[QAError]):
        self.display = display(url)
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            raise error("a PostgreSQL history needs the psycopg driver, which is not installed",
                        path=self.display, hint=EXTRA_HINT) from None
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        try:
            given = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise error(f"not a valid PostgreSQL URL: {_one_line(exc)}", path=self.display) from None
        extra = {k: v for k, v in (("connect_timeout", CONNECT_TIMEOUT_S), ("application_name", "qa"))
                 if k not in given}
        try:
            self.conn = psycopg.connect(url, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise error(f"cannot connect to the history database: {_one_line(exc)}", path=self.display,
                        hint="check the URL, the server and the PG* environment variables") from None
        from psycopg import sql
        from psycopg.types.json import set_json_loads

        set_json_loads(lambda data: bytes(data).decode("utf-8"), self.conn)   # ``data`` read back verbatim
        self.conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(PG_SCHEMA)))
        self.conn.execute("SET TIME ZONE 'UTC'")
        self._cursors = itertools.count()

    def close(self) -> None:
        self.conn.close()

    # -- values as the columns hold them

    @staticmethod
    def timestamp(dt: datetime) -> datetime:
        return dt

    @staticmethod
    def day(d: date | None) -> date | None:
        return d

    @staticmethod
    def tags(tags: list[str]) -> list[str]:
        return tags

    # -- statements (``?`` placeholders)

    def execute(self, sql: str, params=()):
        return self.conn.execute(pg_sql(sql), params)

    def execute_many(self, sql: str, seq) -> None:
        seq = list(seq)
        if seq:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql), [clean(row) for row in seq])

    def query(self, sql: str, params=()) -> list[dict]:
        cur = self.conn.execute(pg_sql(sql), params)
        names = [d.name for d in cur.description]
        return [{k: _plain(v) for k, v in zip(names, row, strict=True)} for row in cur]

    def scalar(self, sql: str, params=()):
        row = self.conn.execute(pg_sql(sql), params).fetchone()
        return None if row is None else _plain(row[0])

    def stream(self, sql: str, params=()) -> Iterator[tuple]:
        """Rows through a server-side cursor, a few thousand at a time (memory stays flat).

        Outside a transaction the cursor is ``WITH HOLD``, so no transaction stays open on the
        connection while the caller iterates; inside one (a migration) it is an ordinary cursor.
        """
        from psycopg.pq import TransactionStatus

        in_tx = self.conn.info.transaction_status != TransactionStatus.IDLE
        with self.conn.cursor(name=f"qa_stream_{next(self._cursors)}", withhold=not in_tx) as cur:
            cur.itersize = 2000
            cur.execute(pg_sql(sql), params)
            for row in cur:
                yield tuple(_plain(v) for v in row)

    def insert_id(self, sql: str, params=()) -> int:
        return self.conn.execute(pg_sql(sql) + " RETURNING id", clean(tuple(params))).fetchone()[0]

    def insert_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        from psycopg import sql

        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
        with self.conn.cursor() as cur, cur.copy(stmt) as copy:
            for row in rows:
                copy.write_row(row)

    clean = staticmethod(clean)

    # -- transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def lock_run(self, input_fingerprint: str, rubric_hash: str) -> None:
        """Queue behind any other transaction writing the same run, until this transaction ends."""
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key("run", input_fingerprint, rubric_hash),))

    # -- schema

    def schema_version(self) -> int:
        table = f"{PG_SCHEMA}.schema_version"
        if self.conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
            return 0
        return self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def set_schema_version(self, version: int, description: str) -> None:
        self.conn.execute("INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                          (version, description))

    def migrate(self, apply: Callable[[], None]) -> None:
        """Run ``apply`` in one transaction holding the migration lock, after creating the schema."""
        from psycopg import sql

        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self.conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(PG_SCHEMA)))
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                              "applied_at timestamptz NOT NULL DEFAULT now(), description text)")
            apply()

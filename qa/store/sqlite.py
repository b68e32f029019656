"""The SQLite engine of the history store: one file, Python's own ``sqlite3``, no extra dependency.

- Several processes may write at once: WAL journal, a busy timeout, and every write in one
  ``BEGIN IMMEDIATE`` transaction (a writer waits for the other; nothing is half-written).
- Several processes may create the same new file at once: the WAL switch and the schema creation
  are retried while SQLite answers "locked" without waiting (it does so for the WAL switch).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime

from qa.errors import QAError

BUSY_TIMEOUT_S = 60.0


def is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_while_locked(step: Callable[[], None], budget_s: float = BUSY_TIMEOUT_S) -> None:
    """Run ``step``; while SQLite answers "locked"/"busy" without waiting, retry with growing, jittered sleeps."""
    deadline = time.monotonic() + budget_s
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 0.25)


@functools.lru_cache(maxsize=1024)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items))


class SQLiteEngine:
    name = "sqlite"
    text_holds_nul = True
    errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)

    def __init__(self, path: str, error: type[QAError]):
        self.path = self.display = path
        if path != ":memory:" and not os.path.isdir(os.path.dirname(os.path.abspath(path)) or "."):
            raise error("the database's directory does not exist", path=path)
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise error(f"cannot open the history database: {exc}", path=path) from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self.db.execute("PRAGMA foreign_keys = ON")
            retry_while_locked(self._use_wal)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise error(f"not a usable qa history database: {exc}", path=path) from None

    def close(self) -> None:
        self.db.close()

    def _use_wal(self) -> None:
        """Switch a file to WAL once; WAL is a property of the file, so later opens find it already set.

        The switch needs the file to itself and SQLite does not run the busy handler for it, so a
        process creating the database while another does gets "database is locked" at once:
        :func:`retry_while_locked` retries, and a switch made by the other process counts as done.
        """
        if self.path == ":memory:":
            return
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self.db.execute("PRAGMA journal_mode = WAL").fetchone()

    # -- values as the columns hold them

    @staticmethod
    def timestamp(dt: datetime) -> str:
        return dt.isoformat(timespec="seconds")

    @staticmethod
    def day(d: date | None) -> str | None:
        return d.isoformat() if d else None

    @staticmethod
    def tags(tags: list[str]) -> str:
        return _json_list(tuple(tags)) if tags else "[]"

    # -- statements (``?`` placeholders)

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def execute_many(self, sql: str, seq) -> None:
        self.db.executemany(sql, seq)

    def query(self, sql: str, params=()) -> list[dict]:
        cur = self.db.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def scalar(self, sql: str, params=()):
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def stream(self, sql: str, params=()) -> Iterator[tuple]:
        yield from self.db.execute(sql, params)

    def insert_id(self, sql: str, params=()) -> int:
        return self.db.execute(sql, params).lastrowid

    def insert_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            marks = ", ".join("?" * len(columns))
            self.db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    # -- transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; ``BEGIN IMMEDIATE`` takes the write lock up front, so writers queue."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def lock_run(self, input_fingerprint: str, rubric_hash: str) -> None:
        """Nothing to do: the transaction already holds the only write lock."""

    # -- schema

    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, version: int, description: str) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def migrate(self, apply: Callable[[], None]) -> None:
        """Run ``apply`` in one write transaction, retried while another process holds the file."""
        def step():
            with self.transaction():
                apply()

        retry_while_locked(step)

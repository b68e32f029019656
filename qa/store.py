"""History store: runs, conversation results, findings and reviews in one SQLite file.

- The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` upgrade an older file in
  place when it is opened.
- Re-recording the same input (fingerprint) under the same rubric hash replaces that run's rows
  instead of adding new ones, so a rerun is idempotent.
- Several processes may write at once: WAL journal, a busy timeout, and every write in one
  ``BEGIN IMMEDIATE`` transaction (a writer waits for the other; nothing is half-written).
- Several processes may create the same new file at once: the WAL switch and the schema creation
  are retried while SQLite answers "locked" without waiting (it does so for the WAL switch).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from qa.errors import QAError

BUSY_TIMEOUT_S = 60.0

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        rubric_id TEXT, rubric_version TEXT, rubric_hash TEXT NOT NULL DEFAULT '',
        input_fingerprint TEXT NOT NULL,
        source TEXT,
        conversations INTEGER NOT NULL DEFAULT 0,
        passed INTEGER NOT NULL DEFAULT 0,
        fatal INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        mean_score REAL,
        UNIQUE (input_fingerprint, rubric_hash)
    );
    CREATE TABLE results (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        agent_id TEXT, team TEXT, channel TEXT, started_at TEXT,
        score REAL NOT NULL, max_score REAL, passed INTEGER NOT NULL, fatal INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, conversation_id)
    );
    CREATE INDEX results_conversation ON results(conversation_id);
    CREATE INDEX results_agent ON results(agent_id, started_at);
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        rule TEXT NOT NULL, severity TEXT, points REAL, turn INTEGER, span_start INTEGER, span_end INTEGER,
        evidence TEXT, message TEXT, tags TEXT,
        PRIMARY KEY (run_id, conversation_id, idx)
    );
    CREATE INDEX findings_rule ON findings(rule);
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        reviewer TEXT,
        conversation_id TEXT NOT NULL,
        finding_key TEXT,
        verdict TEXT NOT NULL CHECK (verdict IN ('wrong', 'right', 'score')),
        score REAL,
        comment TEXT
    );
    CREATE INDEX reviews_conversation ON reviews(conversation_id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(QAError):
    """The history database cannot be opened or used."""


@dataclass
class RunInfo:
    id: int
    created: bool          # False when an identical earlier run was replaced
    conversations: int
    rubric: dict[str, Any]
    input_fingerprint: str


def finding_key(f: dict) -> str:
    """A finding's identity that survives rescoring: rule, turn and span."""
    span = f.get("span") or (None, None)
    return f"{f.get('rule')}@{f.get('turn')}:{span[0]}-{span[1]}"


def fingerprint_files(paths: Iterable[str]) -> str:
    """sha256 over the bytes of input files (sorted by path), for ``record_run(input_fingerprint=…)``."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(os.path.basename(p).encode() + b"\0")
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _identity(r: dict) -> bytes:
    ident = [r.get("conversation_id"), r.get("agent_id"), r.get("team"), r.get("channel"), r.get("started_at"),
             r.get("turns"), r.get("source")]
    return json.dumps(ident, ensure_ascii=False, default=str).encode()


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry_while_locked(step: Callable[[], None], budget_s: float = BUSY_TIMEOUT_S) -> None:
    """Run ``step``; while SQLite answers "locked"/"busy" without waiting, retry with growing, jittered sleeps."""
    deadline = time.monotonic() + budget_s
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if not _is_lock_error(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 0.25)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """A connection to a history database (use as a context manager or call :meth:`close`)."""

    def __init__(self, path: str):
        self.path = path
        if path != ":memory:" and not os.path.isdir(os.path.dirname(os.path.abspath(path)) or "."):
            raise StoreError("the database's directory does not exist", path=path)
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the history database: {exc}", path=path) from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            _retry_while_locked(self._use_wal)
            _retry_while_locked(self._migrate)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"not a usable qa history database: {exc}", path=path) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- schema

    def _use_wal(self) -> None:
        """Switch a file to WAL once; WAL is a property of the file, so later opens find it already set.

        The switch needs the file to itself and SQLite does not run the busy handler for it, so a
        process creating the database while another does gets "database is locked" at once:
        :func:`_retry_while_locked` retries, and a switch made by the other process counts as done.
        """
        if self.path == ":memory:":
            return
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self.db.execute("PRAGMA journal_mode = WAL").fetchone()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"database schema version {version} is newer than this qa ({SCHEMA_VERSION})",
                             path=self.path, hint="upgrade qa")
        if version == SCHEMA_VERSION:
            return
        with self._write():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]   # another process may have won
            for k in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[k].split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    class _Tx:
        def __init__(self, db):
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb):
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            return False

    def _write(self) -> Store._Tx:
        return Store._Tx(self.db)

    # -- runs

    def record_run(self, results: Iterable[dict], *, input_fingerprint: str | None = None,
                   source: str | None = None, rubric: dict | None = None) -> RunInfo:
        """Store a run's results (streamed) in one transaction; returns the run.

        ``input_fingerprint`` identifies the input (e.g. :func:`fingerprint_files`); without it, a
        fingerprint of the conversations' identities (id, agent, team, channel, start, turns, source)
        is used. If a run with the same fingerprint and rubric hash exists, its rows are replaced and
        its id kept.
        """
        now = _now()
        h = hashlib.sha256()
        with self._write() as db:
            cur = db.execute("INSERT INTO runs (created_at, updated_at, input_fingerprint, source) "
                             "VALUES (?, ?, ?, ?)", (now, now, f"pending-{os.getpid()}-{now}", source))
            run_id = cur.lastrowid
            n = passed = fatal = nf = 0
            total = 0.0
            seen_rubric = dict(rubric) if rubric else None
            for r in results:
                self._insert_result(db, run_id, r)
                if seen_rubric is None:
                    seen_rubric = dict(r.get("rubric") or {})
                n += 1
                passed += bool(r.get("passed"))
                fatal += bool(r.get("fatal"))
                nf += len(r.get("findings") or ())
                total += float(r.get("score") or 0.0)
                h.update(_identity(r) + b"\n")
            seen_rubric = seen_rubric or {}
            fp = input_fingerprint or h.hexdigest()
            rhash = seen_rubric.get("hash") or ""
            old = db.execute("SELECT id, created_at FROM runs WHERE input_fingerprint = ? AND rubric_hash = ?",
                             (fp, rhash)).fetchone()
            created = old is None
            if old is not None:
                db.execute("DELETE FROM findings WHERE run_id = ?", (old["id"],))
                db.execute("DELETE FROM results WHERE run_id = ?", (old["id"],))
                db.execute("UPDATE results SET run_id = ? WHERE run_id = ?", (old["id"], run_id))
                db.execute("UPDATE findings SET run_id = ? WHERE run_id = ?", (old["id"], run_id))
                db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
                run_id = old["id"]
            db.execute("UPDATE runs SET input_fingerprint = ?, rubric_id = ?, rubric_version = ?, rubric_hash = ?, "
                       "conversations = ?, passed = ?, fatal = ?, findings = ?, mean_score = ?, updated_at = ?, "
                       "source = COALESCE(?, source) WHERE id = ?",
                       (fp, seen_rubric.get("id"), seen_rubric.get("version"), rhash, n, passed, fatal, nf,
                        total / n if n else None, now, source, run_id))
        return RunInfo(run_id, created, n, seen_rubric, fp)

    @staticmethod
    def _insert_result(db, run_id: int, r: dict) -> None:
        cid = r.get("conversation_id")
        if not cid or "score" not in r or "passed" not in r:
            raise StoreError(f"not a score result (needs conversation_id, score, passed): {str(r)[:120]}")
        db.execute("INSERT OR REPLACE INTO results (run_id, conversation_id, agent_id, team, channel, started_at, "
                   "score, max_score, passed, fatal, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (run_id, cid, r.get("agent_id"), r.get("team"), r.get("channel"), r.get("started_at"),
                    float(r["score"]), r.get("max_score"), int(bool(r["passed"])), int(bool(r.get("fatal"))),
                    json.dumps(r, ensure_ascii=False)))
        db.execute("DELETE FROM findings WHERE run_id = ? AND conversation_id = ?", (run_id, cid))
        for k, f in enumerate(r.get("findings") or ()):
            span = f.get("span") or (None, None)
            db.execute("INSERT INTO findings (run_id, conversation_id, idx, rule, severity, points, turn, span_start, "
                       "span_end, evidence, message, tags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       (run_id, cid, k, f.get("rule"), f.get("severity"), f.get("points"), f.get("turn"), span[0],
                        span[1], f.get("evidence"), f.get("message"), json.dumps(list(f.get("tags") or ()))))

    def runs(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def run(self, run_id: int | str) -> dict:
        rid = self.resolve_run(run_id)
        return dict(self.db.execute("SELECT * FROM runs WHERE id = ?", (rid,)).fetchone())

    def resolve_run(self, run_id: int | str) -> int:
        """A run id; ``latest`` and ``latest~N`` (N runs before the latest) are accepted too."""
        text = str(run_id)
        if text.startswith("latest"):
            back = int(text[7:]) if text.startswith("latest~") and text[7:].isdigit() else 0
            row = self.db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", (back,)).fetchone()
            if row is None:
                raise StoreError(f"no run {text!r}: the database has {self.count_runs()} run(s)", path=self.path)
            return row[0]
        try:
            rid = int(text)
        except ValueError:
            raise StoreError(f"run must be a number or 'latest', got {text!r}", path=self.path) from None
        if self.db.execute("SELECT 1 FROM runs WHERE id = ?", (rid,)).fetchone() is None:
            raise StoreError(f"no run {rid}", path=self.path, hint="see `qa history list`")
        return rid

    def count_runs(self) -> int:
        return self.db.execute("SELECT count(*) FROM runs").fetchone()[0]

    def results(self, run_id: int | str | None = None) -> Iterator[dict]:
        """Results of one run, or (``None``) the latest result of every conversation across runs."""
        if run_id is not None:
            rid = self.resolve_run(run_id)
            cur = self.db.execute("SELECT data FROM results WHERE run_id = ? ORDER BY conversation_id", (rid,))
        else:
            cur = self.db.execute("SELECT data FROM results r WHERE run_id = (SELECT max(run_id) FROM results r2 "
                                  "WHERE r2.conversation_id = r.conversation_id) ORDER BY started_at, conversation_id")
        for (data,) in cur:
            yield json.loads(data)

    # -- reviews

    def add_review(self, conversation_id: str, verdict: str, *, finding: str | None = None,
                   score: float | None = None, comment: str | None = None, reviewer: str | None = None) -> int:
        if verdict not in ("wrong", "right", "score"):
            raise StoreError(f"verdict must be wrong, right or score, got {verdict!r}")
        if verdict == "score" and score is None:
            raise StoreError("a manual score review needs a score")
        if verdict != "score" and not finding:
            raise StoreError("a wrong/right review needs the finding it judges")
        with self._write() as db:
            cur = db.execute("INSERT INTO reviews (created_at, reviewer, conversation_id, finding_key, verdict, score, "
                             "comment) VALUES (?,?,?,?,?,?,?)",
                             (_now(), reviewer, conversation_id, finding, verdict, score, comment))
            return cur.lastrowid

    def reviews(self, conversation_id: str | None = None) -> list[dict]:
        if conversation_id is None:
            cur = self.db.execute("SELECT * FROM reviews ORDER BY id")
        else:
            cur = self.db.execute("SELECT * FROM reviews WHERE conversation_id = ? ORDER BY id", (conversation_id,))
        return [dict(r) for r in cur]

    def latest_result(self, conversation_id: str) -> dict:
        row = self.db.execute("SELECT data FROM results WHERE conversation_id = ? ORDER BY run_id DESC LIMIT 1",
                              (conversation_id,)).fetchone()
        if row is None:
            raise StoreError(f"conversation {conversation_id!r} is not in the history", path=self.path)
        return json.loads(row[0])


def open_store(path: str) -> Store:
    return Store(path)


def record_run(db_path: str, results: Iterable[dict], **kw) -> RunInfo:
    """Open ``db_path`` (created and migrated as needed), store ``results`` as one run, close."""
    with Store(db_path) as st:
        return st.record_run(results, **kw)

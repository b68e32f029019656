"""The history store: runs, results, findings and reviews, on SQLite or PostgreSQL alike."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from qa.errors import QAError
from qa.store import rows, schema
from qa.store.postgres import PostgresEngine
from qa.store.sqlite import SQLiteEngine
from qa.store.target import is_postgres

BATCH = 1000   # results buffered before they are sent to the database


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


def _identity(r: dict) -> bytes:
    ident = [r.get("conversation_id"), r.get("agent_id"), r.get("team"), r.get("channel"), r.get("started_at"),
             r.get("turns"), r.get("source")]
    return json.dumps(ident, ensure_ascii=False, default=str).encode()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _when(value: str | datetime | None) -> datetime:
    if isinstance(value, datetime):
        return value
    if value:
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            pass
    return _now()


def _database_errors(method):
    """Report a database failure (server gone, no permission, disk full) as a StoreError naming the db."""
    def wrap(self, exc):
        text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        return StoreError(f"history database error: {text}", path=self.path)

    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def gen(self, *a, **kw):
            try:
                yield from method(self, *a, **kw)
            except self.engine.errors as exc:
                raise wrap(self, exc) from exc
        return gen

    @functools.wraps(method)
    def call(self, *a, **kw):
        try:
            return method(self, *a, **kw)
        except self.engine.errors as exc:
            raise wrap(self, exc) from exc
    return call


class Store:
    """A connection to a history database (use as a context manager or call :meth:`close`).

    ``db`` is a SQLite file path or a PostgreSQL URL (:mod:`qa.store.target`). Opening applies any
    missing migrations (:mod:`qa.store.schema`).
    """

    def __init__(self, db: str):
        db = str(db)
        if is_postgres(db):
            self.engine = PostgresEngine(db, StoreError)
        else:
            self.engine = SQLiteEngine(db, StoreError)
        self.path = self.engine.display
        try:
            self._migrate()
        except self.engine.errors as exc:
            self.engine.close()
            raise StoreError(f"not a usable qa history database: {exc}", path=self.path) from None
        except BaseException:
            self.engine.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    # -- schema

    def _migrate(self) -> None:
        eng = self.engine
        latest = len(schema.MIGRATIONS)
        version = eng.schema_version()
        if version > latest:
            raise StoreError(f"database schema version {version} is newer than this qa ({latest})",
                             path=self.path, hint="upgrade qa")
        if version == latest:
            return

        def apply():
            for k in range(eng.schema_version(), latest):   # another process may have migrated meanwhile
                m = schema.MIGRATIONS[k]
                for stmt in m.statements(eng.name):
                    eng.execute(stmt)
                if m.backfill:
                    m.backfill(eng)
                eng.set_schema_version(k + 1, m.description)

        eng.migrate(apply)

    @property
    def schema_version(self) -> int:
        return self.engine.schema_version()

    @_database_errors
    def query(self, sql: str, params: Iterable = ()) -> list[dict]:
        """Rows of a read-only SQL statement with ``?`` placeholders, as dicts (for tools and tests)."""
        return self.engine.query(sql, tuple(params))

    # -- runs

    @_database_errors
    def record_run(self, results: Iterable[dict], *, input_fingerprint: str | None = None,
                   source: str | None = None, rubric: dict | None = None,
                   created_at: str | datetime | None = None) -> RunInfo:
        """Store a run's results (streamed) in one transaction; returns the run.

        ``input_fingerprint`` identifies the input (e.g. :func:`fingerprint_files`); without it, a
        fingerprint of the conversations' identities (id, agent, team, channel, start, turns, source)
        is used. If a run with the same fingerprint and rubric hash exists, its rows are replaced and
        its id kept. ``rubric`` defaults to the first result's; ``created_at`` (ISO text) to now.
        """
        eng = self.engine
        it = iter(results)
        first = next(it, None)
        stream = it if first is None else _chain(first, it)
        rubric = dict(rubric) if rubric else dict((first or {}).get("rubric") or {})
        rhash = rubric.get("hash") or ""
        now = _now()
        created = _when(created_at)
        with eng.transaction():
            if input_fingerprint:
                fp = input_fingerprint
                eng.lock_run(fp, rhash)
                old = self._run_of(fp, rhash)
                if old is None:
                    run_id = self._insert_run(fp, rhash, source, created)
                else:
                    run_id = old
                    self._clear_run(run_id)
                summary = self._write_results(run_id, stream, identity=False)
            else:
                run_id = self._insert_run(f"pending-{uuid.uuid4().hex}", rhash, source, created)
                summary = self._write_results(run_id, stream, identity=True)
                fp = summary["fingerprint"]
                eng.lock_run(fp, rhash)
                old = self._run_of(fp, rhash)
                if old is not None:
                    self._clear_run(old)
                    for table in ("results", "findings", "complaints"):
                        eng.execute(f"UPDATE {table} SET run_id = ? WHERE run_id = ?", (old, run_id))
                    eng.execute("DELETE FROM runs WHERE id = ?", (run_id,))
                    run_id = old
            n = summary["conversations"]
            eng.execute("UPDATE runs SET input_fingerprint = ?, rubric_id = ?, rubric_version = ?, rubric_hash = ?, "
                        "conversations = ?, passed = ?, fatal = ?, findings = ?, mean_score = ?, updated_at = ?, "
                        "source = COALESCE(?, source) WHERE id = ?",
                        (fp, rubric.get("id"), rubric.get("version"), rhash, n, summary["passed"], summary["fatal"],
                         summary["findings"], summary["score"] / n if n else None, eng.timestamp(now), source,
                         run_id))
        return RunInfo(run_id, old is None, n, rubric, fp)

    def _run_of(self, fp: str, rhash: str) -> int | None:
        return self.engine.scalar("SELECT id FROM runs WHERE input_fingerprint = ? AND rubric_hash = ?", (fp, rhash))

    def _insert_run(self, fp: str, rhash: str, source: str | None, created: datetime) -> int:
        eng = self.engine
        return eng.insert_id("INSERT INTO runs (created_at, updated_at, input_fingerprint, rubric_hash, source) "
                             "VALUES (?, ?, ?, ?, ?)",
                             (eng.timestamp(created), eng.timestamp(created), fp, rhash, source))

    def _clear_run(self, run_id: int) -> None:
        for table in ("findings", "complaints", "results"):
            self.engine.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))

    def _write_results(self, run_id: int, results: Iterable[dict], identity: bool) -> dict[str, Any]:
        """Insert results in batches; a conversation id seen again in the run replaces its earlier rows."""
        eng = self.engine
        h = hashlib.sha256()
        out = {"conversations": 0, "passed": 0, "fatal": 0, "findings": 0, "score": 0.0}
        seen: set[str] = set()
        batch_r: list[tuple] = []
        batch_f: list[tuple] = []
        batch_c: list[tuple] = []

        def flush():
            eng.insert_many("results", rows.RESULT_COLUMNS, batch_r)
            eng.insert_many("findings", rows.FINDING_COLUMNS, batch_f)
            eng.insert_many("complaints", rows.COMPLAINT_COLUMNS, batch_c)
            batch_r.clear()
            batch_f.clear()
            batch_c.clear()

        for r in results:
            cid = r.get("conversation_id") if isinstance(r, dict) else None
            if not cid or "score" not in r or "passed" not in r:
                raise StoreError(f"not a score result (needs conversation_id, score, passed): {str(r)[:120]}")
            cid = str(cid)
            if cid in seen:
                flush()
                for table in ("findings", "complaints", "results"):
                    eng.execute(f"DELETE FROM {table} WHERE run_id = ? AND conversation_id = ?", (run_id, cid))
            seen.add(cid)
            row, found, complaints = rows.table_rows(run_id, r, eng.day, eng.tags)
            if not eng.text_holds_nul and "\\u0000" in row[-1]:   # a NUL somewhere in the result's text
                row, found, complaints = eng.clean(row), list(map(eng.clean, found)), list(map(eng.clean, complaints))
            batch_r.append(row)
            batch_f.extend(found)
            batch_c.extend(complaints)
            if len(batch_r) >= BATCH:
                flush()
            out["conversations"] += 1
            out["passed"] += bool(r.get("passed"))
            out["fatal"] += bool(r.get("fatal"))
            out["findings"] += len(r.get("findings") or ())
            out["score"] += float(r.get("score") or 0.0)
            if identity:
                h.update(_identity(r) + b"\n")
        flush()
        out["fingerprint"] = h.hexdigest()
        return out

    @_database_errors
    def runs(self) -> list[dict]:
        return self.engine.query("SELECT * FROM runs ORDER BY id")

    @_database_errors
    def run(self, run_id: int | str) -> dict:
        rid = self.resolve_run(run_id)
        return self.engine.query("SELECT * FROM runs WHERE id = ?", (rid,))[0]

    @_database_errors
    def resolve_run(self, run_id: int | str) -> int:
        """A run id; ``latest`` and ``latest~N`` (N runs before the latest) are accepted too."""
        eng = self.engine
        text = str(run_id)
        if text.startswith("latest"):
            back = int(text[7:]) if text.startswith("latest~") and text[7:].isdigit() else 0
            rid = eng.scalar("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", (back,))
            if rid is None:
                raise StoreError(f"no run {text!r}: the database has {self.count_runs()} run(s)", path=self.path)
            return rid
        try:
            rid = int(text)
        except ValueError:
            raise StoreError(f"run must be a number or 'latest', got {text!r}", path=self.path) from None
        if eng.scalar("SELECT 1 FROM runs WHERE id = ?", (rid,)) is None:
            raise StoreError(f"no run {rid}", path=self.path, hint="see `qa history list`")
        return rid

    @_database_errors
    def count_runs(self) -> int:
        return self.engine.scalar("SELECT count(*) FROM runs")

    @_database_errors
    def results(self, run_id: int | str | None = None) -> Iterator[dict]:
        """Results of one run, or (``None``) the latest result of every conversation across runs."""
        if run_id is not None:
            rid = self.resolve_run(run_id)
            rows_ = self.engine.stream("SELECT data FROM results WHERE run_id = ? ORDER BY conversation_id", (rid,))
        else:
            # NULL start times first on both engines (PostgreSQL would put them last)
            rows_ = self.engine.stream(
                "SELECT data FROM results r WHERE run_id = (SELECT max(run_id) FROM results r2 "
                "WHERE r2.conversation_id = r.conversation_id) "
                "ORDER BY (started_at IS NOT NULL), started_at, conversation_id")
        for (data,) in rows_:
            yield json.loads(data)

    # -- reviews

    @_database_errors
    def add_review(self, conversation_id: str, verdict: str, *, finding: str | None = None,
                   score: float | None = None, comment: str | None = None, reviewer: str | None = None,
                   created_at: str | datetime | None = None) -> int:
        if verdict not in ("wrong", "right", "score"):
            raise StoreError(f"verdict must be wrong, right or score, got {verdict!r}")
        if verdict == "score" and score is None:
            raise StoreError("a manual score review needs a score")
        if verdict != "score" and not finding:
            raise StoreError("a wrong/right review needs the finding it judges")
        eng = self.engine
        with eng.transaction():
            return eng.insert_id("INSERT INTO reviews (created_at, reviewer, conversation_id, finding_key, verdict, "
                                 "score, comment) VALUES (?,?,?,?,?,?,?)",
                                 (eng.timestamp(_when(created_at)), reviewer, conversation_id, finding, verdict,
                                  score, comment))

    @_database_errors
    def reviews(self, conversation_id: str | None = None) -> list[dict]:
        if conversation_id is None:
            return self.engine.query("SELECT * FROM reviews ORDER BY id")
        return self.engine.query("SELECT * FROM reviews WHERE conversation_id = ? ORDER BY id", (conversation_id,))

    @_database_errors
    def latest_result(self, conversation_id: str) -> dict:
        data = self.engine.scalar("SELECT data FROM results WHERE conversation_id = ? ORDER BY run_id DESC LIMIT 1",
                                  (conversation_id,))
        if data is None:
            raise StoreError(f"conversation {conversation_id!r} is not in the history", path=self.path)
        return json.loads(data)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def open_store(db: str) -> Store:
    return Store(db)


def record_run(db: str, results: Iterable[dict], **kw) -> RunInfo:
    """Open ``db`` (created and migrated as needed), store ``results`` as one run, close."""
    with Store(db) as st:
        return st.record_run(results, **kw)

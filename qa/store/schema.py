"""The history schema, one version history for both engines (docs/history.md describes every table and view).

Migration N has the same meaning on SQLite and PostgreSQL; only the column types are each engine's
own (``boolean``, ``timestamptz``, ``date``, ``json`` and ``text[]`` on PostgreSQL where SQLite has
integers and text). A database records the last migration applied — ``PRAGMA user_version`` in a
SQLite file, the table ``schema_version`` in PostgreSQL — and opening it applies the missing ones
in one transaction, under a lock, so processes opening a new database at once create it once.
A migration may also carry a ``backfill``: Python run in the same transaction after its SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from qa.store import rows

PG_SCHEMA = "qa"   # PostgreSQL: every table and view lives in this schema of the database


@dataclass(frozen=True)
class Migration:
    description: str
    sqlite: str
    postgresql: str
    backfill: Callable | None = None

    def statements(self, engine: str) -> list[str]:
        text = self.sqlite if engine == "sqlite" else self.postgresql
        return [s.strip() for s in text.split(";") if s.strip()]


def _backfill_derived_columns(eng) -> None:
    """Fill the dashboard columns and the complaints table of results stored before migration 2."""

    sets = ", ".join(f"{c} = ?" for c in rows.DERIVED_COLUMNS)
    update = f"UPDATE results SET {sets} WHERE run_id = ? AND conversation_id = ?"
    updates, complaints = [], []
    for run_id, cid, data in eng.stream("SELECT run_id, conversation_id, data FROM results"):
        r = json.loads(data) if isinstance(data, str) else data
        d = rows.derived(r)
        updates.append((eng.day(d[0]), *d[1:], run_id, cid))
        complaints.extend(rows.complaint_rows(run_id, r))
        if len(updates) >= 1000:
            eng.execute_many(update, updates)
            updates.clear()
    eng.execute_many(update, updates)
    eng.insert_many("complaints", rows.COMPLAINT_COLUMNS, complaints)


# The views read the latest result of each conversation (the one from the run with the highest id), as
# `qa scorecard --db` does. Written once for both engines: CAST(... AS DOUBLE PRECISION) divides as
# floating point in both, and CASE WHEN <flag> reads a boolean column and a 0/1 integer alike.
VIEWS = """
CREATE VIEW latest_results AS
SELECT r.run_id, r.conversation_id, r.agent_id, r.team, r.channel, r.started_at, r.day, r.score, r.max_score,
       r.passed, r.fatal, r.finding_count, r.complaint, r.sla_met, r.first_response_s, r.reply_wait_mean_s,
       r.handle_time_s, u.rubric_id, u.rubric_version,
       CASE WHEN EXISTS (SELECT 1 FROM reviews v WHERE v.conversation_id = r.conversation_id) THEN 1 ELSE 0 END
           AS reviewed
FROM results r JOIN runs u ON u.id = r.run_id
WHERE r.run_id = (SELECT max(r2.run_id) FROM results r2 WHERE r2.conversation_id = r.conversation_id);

CREATE VIEW agent_day AS
SELECT day, agent_id, team,
       count(*) AS conversations,
       avg(score) AS mean_score,
       sum(CASE WHEN passed THEN 1 ELSE 0 END) AS passed,
       CAST(sum(CASE WHEN passed THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) AS pass_rate,
       sum(CASE WHEN fatal THEN 1 ELSE 0 END) AS fatal,
       sum(finding_count) AS findings,
       sum(CASE WHEN complaint THEN 1 ELSE 0 END) AS complaints,
       CAST(sum(CASE WHEN complaint THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) AS complaint_rate,
       sum(CASE WHEN sla_met IS NULL THEN 0 ELSE 1 END) AS sla_judged,
       sum(CASE WHEN sla_met THEN 1 ELSE 0 END) AS sla_met,
       CAST(sum(CASE WHEN sla_met THEN 1 ELSE 0 END) AS DOUBLE PRECISION)
           / NULLIF(sum(CASE WHEN sla_met IS NULL THEN 0 ELSE 1 END), 0) AS sla_attainment,
       avg(first_response_s) AS first_response_mean_s,
       avg(reply_wait_mean_s) AS reply_wait_mean_s,
       avg(handle_time_s) AS handle_time_mean_s,
       sum(reviewed) AS reviewed
FROM latest_results
GROUP BY day, agent_id, team;

CREATE VIEW complaint_day AS
SELECT l.day, l.agent_id, l.team, c.complaint_type, c.title, count(*) AS conversations
FROM latest_results l
JOIN complaints c ON c.run_id = l.run_id AND c.conversation_id = l.conversation_id
GROUP BY l.day, l.agent_id, l.team, c.complaint_type, c.title;

CREATE VIEW rule_day AS
SELECT l.day, f.rule, f.severity, count(*) AS findings, count(DISTINCT f.conversation_id) AS conversations,
       sum(f.points) AS points
FROM latest_results l
JOIN findings f ON f.run_id = l.run_id AND f.conversation_id = l.conversation_id
GROUP BY l.day, f.rule, f.severity
"""

MIGRATIONS: list[Migration] = [
    Migration(
        "runs, results, findings, reviews",
        sqlite="""
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
        CREATE INDEX reviews_conversation ON reviews(conversation_id)
        """,
        postgresql="""
        CREATE TABLE runs (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            rubric_id text, rubric_version text, rubric_hash text NOT NULL DEFAULT '',
            input_fingerprint text NOT NULL,
            source text,
            conversations integer NOT NULL DEFAULT 0,
            passed integer NOT NULL DEFAULT 0,
            fatal integer NOT NULL DEFAULT 0,
            findings integer NOT NULL DEFAULT 0,
            mean_score double precision,
            UNIQUE (input_fingerprint, rubric_hash)
        );
        CREATE TABLE results (
            run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            conversation_id text COLLATE "C" NOT NULL,
            agent_id text, team text, channel text, started_at text COLLATE "C",
            score double precision NOT NULL, max_score double precision, passed boolean NOT NULL,
            fatal boolean NOT NULL,
            data json NOT NULL,
            PRIMARY KEY (run_id, conversation_id)
        );
        CREATE INDEX results_conversation ON results(conversation_id);
        CREATE INDEX results_agent ON results(agent_id, started_at);
        CREATE TABLE findings (
            run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            conversation_id text COLLATE "C" NOT NULL,
            idx integer NOT NULL,
            rule text NOT NULL, severity text, points double precision, turn integer, span_start integer,
            span_end integer, evidence text, message text, tags text[],
            PRIMARY KEY (run_id, conversation_id, idx)
        );
        CREATE INDEX findings_rule ON findings(rule);
        CREATE TABLE reviews (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            created_at timestamptz NOT NULL,
            reviewer text,
            conversation_id text COLLATE "C" NOT NULL,
            finding_key text,
            verdict text NOT NULL CHECK (verdict IN ('wrong', 'right', 'score')),
            score double precision,
            comment text
        );
        CREATE INDEX reviews_conversation ON reviews(conversation_id)
        """,
    ),
    Migration(
        "dashboard columns (day, SLA, timing, counts), complaints table, views for BI tools",
        sqlite="""
        ALTER TABLE results ADD COLUMN day TEXT;
        ALTER TABLE results ADD COLUMN finding_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN complaint INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN sla_met INTEGER;
        ALTER TABLE results ADD COLUMN first_response_s REAL;
        ALTER TABLE results ADD COLUMN reply_wait_mean_s REAL;
        ALTER TABLE results ADD COLUMN handle_time_s REAL;
        CREATE TABLE complaints (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            conversation_id TEXT NOT NULL,
            complaint_type TEXT NOT NULL,
            title TEXT,
            PRIMARY KEY (run_id, conversation_id, complaint_type)
        );
        CREATE INDEX results_latest ON results(conversation_id, run_id);
        CREATE INDEX results_day ON results(day, agent_id)
        """ + ";" + VIEWS,
        postgresql="""
        ALTER TABLE results
            ADD COLUMN day date,
            ADD COLUMN finding_count integer NOT NULL DEFAULT 0,
            ADD COLUMN complaint boolean NOT NULL DEFAULT false,
            ADD COLUMN sla_met boolean,
            ADD COLUMN first_response_s double precision,
            ADD COLUMN reply_wait_mean_s double precision,
            ADD COLUMN handle_time_s double precision;
        CREATE TABLE complaints (
            run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            conversation_id text COLLATE "C" NOT NULL,
            complaint_type text NOT NULL,
            title text,
            PRIMARY KEY (run_id, conversation_id, complaint_type)
        );
        CREATE INDEX results_latest ON results(conversation_id, run_id);
        CREATE INDEX results_day ON results(day, agent_id)
        """ + ";" + VIEWS,
        backfill=_backfill_derived_columns,
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)

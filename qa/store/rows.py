"""A score result as the rows of the history tables: ``results``, ``findings`` and ``complaints``.

The columns besides ``data`` (the whole result as JSON) are what dashboards group and filter by;
they are derived here, once, the way ``qa scorecard`` derives its KPIs (:mod:`qa.results.scorecard`): the
day is the local date written in ``started_at``, a conversation meets the SLA when timing applied
to it (a timing metric or finding) and no timing rule found a breach.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from qa.results.scorecard import complaint_labels, is_timing_finding, parse_time

RESULT_COLUMNS = ("run_id", "conversation_id", "agent_id", "team", "channel", "started_at", "day", "score",
                  "max_score", "passed", "fatal", "finding_count", "complaint", "sla_met", "first_response_s",
                  "reply_wait_mean_s", "handle_time_s", "data")
FINDING_COLUMNS = ("run_id", "conversation_id", "idx", "rule", "severity", "points", "turn", "span_start",
                   "span_end", "evidence", "message", "tags")
COMPLAINT_COLUMNS = ("run_id", "conversation_id", "complaint_type", "title")
# what :func:`derived` returns, in order; migration 2 fills them from ``data`` for results stored before it
DERIVED_COLUMNS = ("day", "finding_count", "complaint", "sla_met", "first_response_s", "reply_wait_mean_s",
                   "handle_time_s")
TIMING_COLUMNS = ("first_response_s", "reply_wait_mean_s", "handle_time_s")

_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _int(v: Any) -> int | None:
    return v if v.__class__ is int else None


def _text(v: Any) -> str | None:
    return None if v is None else str(v)


def derived(r: dict, breach: bool | None = None) -> tuple:
    """``day, finding_count, complaint, sla_met, first_response_s, reply_wait_mean_s, handle_time_s``.

    ``breach`` (whether a timing rule fired) is computed from the findings unless the caller has it.
    """
    started = parse_time(r.get("started_at"))
    findings = r.get("findings") or ()
    metrics = r.get("metrics") or {}
    timing = [_number(metrics.get(m)) for m in TIMING_COLUMNS]
    if breach is None:
        breach = any(is_timing_finding(f) for f in findings)
    judged = breach or timing != [None, None, None]
    return (started.date() if started else None, len(findings), bool(complaint_labels(r)),
            (not breach) if judged else None, *timing)


def table_rows(run_id: int, r: dict, day: Callable[[date | None], Any], tags: Callable[[list], Any]
               ) -> tuple[tuple, list[tuple], list[tuple]]:
    """The ``results`` row, the ``findings`` rows and the ``complaints`` rows of one result (one pass)."""
    cid = str(r["conversation_id"])
    found = []
    breach = False
    for k, f in enumerate(r.get("findings") or ()):
        span = f.get("span")
        start, end = (span[0], span[1]) if span.__class__ in (list, tuple) and len(span) >= 2 else (None, None)
        labels = f.get("tags") or ()
        breach = breach or is_timing_finding(f)
        found.append((run_id, cid, k, f.get("rule"), f.get("severity"), _number(f.get("points")),
                      _int(f.get("turn")), _int(start), _int(end), _text(f.get("evidence")), _text(f.get("message")),
                      tags([str(t) for t in labels] if labels else [])))
    d = derived(r, breach)
    result = (run_id, cid, _text(r.get("agent_id")), _text(r.get("team")), _text(r.get("channel")),
              _text(r.get("started_at")), day(d[0]), float(r["score"]), _number(r.get("max_score")),
              bool(r["passed"]), bool(r.get("fatal")), *d[1:], _to_json(r))
    return result, found, complaint_rows(run_id, r)


def complaint_rows(run_id: int, r: dict) -> list[tuple]:
    """One row per complaint type (its id, and the display name the scorecard shows)."""
    labels = complaint_labels(r)
    if not labels:
        return []
    cid = str(r["conversation_id"])
    seen: dict[str, str] = {}
    for ident, title in labels:
        seen.setdefault(ident, title)
    return [(run_id, cid, ident, title) for ident, title in seen.items()]

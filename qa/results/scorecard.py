"""Score results → agent/team scorecards per period: the KPIs a QA lead reads (docs/scorecards.md).

Pure functions over the result dicts of ``qa score`` (docs/format.md). Every KPI tolerates missing
inputs: timing metrics, complaint labels and ratings are used where a result carries them, and a KPI
with nothing to measure is ``None`` (shown as "—"), never 0.

- ``aggregate(results, by=("agent",), period="month", policy=...)`` → :class:`Scorecard`
- :class:`Policy` comes from the rubric's ``scorecard:`` section (:func:`policy_from_dict`): minimum
  conversations to be ranked, the escalation ladder for repeated complaints, rating fields and scales.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from qa.errors import ConfigError, RubricError
from qa.model import ResultDict

PERIODS = ("day", "week", "month", "year", "all")
GROUPINGS = {"agent": ("agent",), "team": ("team",), "agent,team": ("agent", "team"), "team,agent": ("team", "agent")}
TIMING_METRICS = ("first_response_s", "reply_wait_mean_s", "reply_wait_max_s", "handle_time_s")
UNKNOWN = "—"

# Where a conversation's customer rating may sit in its metadata, and the top of that rating's scale.
DEFAULT_RATING_FIELDS = {
    "csat": 5,
    "satisfaction": 5,
    "rating": 5,
    "caller_rating": 10,
    "caller_partner_rating": 10,
    "partner_rating": 10,
    "caller.partner_rating": 10,
    "caller.survey_response.data.partner_rating": 10,
}


@dataclass(frozen=True)
class Step:
    """One rung of the complaint escalation ladder: a penalty, and/or flag the agent for review."""

    penalty: float = 0.0
    review: bool = False
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = []
        if self.penalty:
            parts.append(f"penalty {self.penalty:g}")
        if self.review:
            parts.append("review")
        return " + ".join(parts) or "none"


# Seed 000 客户服务管理制度: 发现客户因服务原因投诉某客服，一次罚款30元，第二次翻倍，第三次将予以开除.
SEED_LADDER = (Step(30.0), Step(60.0), Step(0.0, review=True))


@dataclass(frozen=True)
class Policy:
    min_conversations: int = 5
    ladder: tuple[Step, ...] = SEED_LADDER
    # complaint types that count towards escalation (None: all). Seed 000 escalates complaints about the
    # agent's service (因服务原因投诉), not about delivery or the product.
    complaint_types: tuple[str, ...] | None = ("service_attitude", "服务态度")
    rating_fields: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATING_FIELDS))
    pass_rate_floor: float | None = None               # a row under this is flagged (also the nightly gate)


POLICY_KEYS = {"min_conversations", "escalation", "satisfaction", "pass_rate_floor"}
ESCALATION_KEYS = {"ladder", "types", "penalty", "factor", "review_at"}


def policy_from_dict(d: dict[str, Any] | None, path: str | None = None) -> Policy:
    """Build a :class:`Policy` from a rubric's ``scorecard:`` mapping (see docs/scorecards.md)."""
    if not d:
        return Policy()

    def bad(msg: str, fld: str) -> RubricError:
        return RubricError(msg, path=path, field=f"scorecard.{fld}")

    unknown = set(d) - POLICY_KEYS
    if unknown:
        k = sorted(unknown)[0]
        raise RubricError(f"unknown key {k!r}", path=path, field=f"scorecard.{k}",
                          hint=f"allowed keys: {', '.join(sorted(POLICY_KEYS))}")
    kw: dict[str, Any] = {}
    if "min_conversations" in d:
        v = d["min_conversations"]
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise bad(f"expected a whole number ≥ 1, got {v!r}", "min_conversations")
        kw["min_conversations"] = v
    if "pass_rate_floor" in d:
        v = d["pass_rate_floor"]
        if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1:
            raise bad(f"expected a share between 0 and 1, got {v!r}", "pass_rate_floor")
        kw["pass_rate_floor"] = float(v)
    esc = d.get("escalation")
    if esc is not None:
        if not isinstance(esc, dict):
            raise bad("expected a mapping", "escalation")
        unknown = set(esc) - ESCALATION_KEYS
        if unknown:
            k = sorted(unknown)[0]
            raise RubricError(f"unknown key {k!r}", path=path, field=f"scorecard.escalation.{k}",
                              hint=f"allowed keys: {', '.join(sorted(ESCALATION_KEYS))}")
        kw["ladder"] = _ladder(esc, bad)
        if "types" in esc:
            types = esc["types"]
            if types == "all":
                kw["complaint_types"] = None
            elif not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
                raise bad("expected a list of complaint type ids or titles, or 'all'", "escalation.types")
            else:
                kw["complaint_types"] = tuple(types)
    sat = d.get("satisfaction")
    if sat is not None:
        fields = sat.get("fields") if isinstance(sat, dict) else None
        if not isinstance(fields, dict) or not fields:
            raise bad("expected {fields: {metadata.path: scale_max, …}}", "satisfaction")
        for k, v in fields.items():
            if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
                raise bad(f"scale of {k!r} must be a positive number, got {v!r}", f"satisfaction.fields.{k}")
        kw["rating_fields"] = {str(k): float(v) for k, v in fields.items()}
    return Policy(**kw)


def _ladder(esc: dict, bad) -> tuple[Step, ...]:
    if "ladder" in esc:
        if set(esc) & {"penalty", "factor", "review_at"}:
            raise bad("give either ladder or penalty/factor/review_at, not both", "escalation")
        ladder = esc["ladder"]
        if not isinstance(ladder, list) or not ladder:
            raise bad("expected a non-empty list of steps", "escalation.ladder")
        steps = []
        for i, s in enumerate(ladder):
            if not isinstance(s, dict) or set(s) - {"penalty", "review", "label"}:
                raise bad("each step is {penalty: N, review: true|false, label: text}", f"escalation.ladder[{i}]")
            pen = s.get("penalty", 0)
            if not isinstance(pen, int | float) or isinstance(pen, bool) or pen < 0:
                raise bad(f"penalty must be a number ≥ 0, got {pen!r}", f"escalation.ladder[{i}].penalty")
            steps.append(Step(float(pen), bool(s.get("review", False)), str(s.get("label", ""))))
        return tuple(steps)
    pen = esc.get("penalty", 30)
    factor = esc.get("factor", 2)
    review_at = esc.get("review_at", 3)
    for name, v in (("penalty", pen), ("factor", factor)):
        if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
            raise bad(f"expected a number ≥ 0, got {v!r}", f"escalation.{name}")
    if not isinstance(review_at, int) or isinstance(review_at, bool) or review_at < 1:
        raise bad(f"expected a whole number ≥ 1, got {review_at!r}", "escalation.review_at")
    steps = [Step(float(pen) * float(factor) ** i) for i in range(review_at - 1)]
    steps.append(Step(0.0, review=True))
    return tuple(steps)


# ---------------------------------------------------------------- per-conversation facts


def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def period_key(day: date | None, period: str) -> str:
    """The label of the period holding ``day``: 2026-11-03, 2026-W45, 2026-11, 2026 or all."""
    if period == "all":
        return "all"
    if day is None:
        return UNKNOWN
    if period == "day":
        return day.isoformat()
    if period == "week":
        y, w, _ = day.isocalendar()
        return f"{y}-W{w:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "year":
        return str(day.year)
    raise ConfigError(f"unknown period {period!r}", hint=f"choose one of {', '.join(PERIODS)}")


def period_start(key: str | None, period: str) -> date | None:
    """The first day of the period labelled ``key``."""
    if key is None or key == UNKNOWN or period == "all":
        return None
    if period == "day":
        return date.fromisoformat(key)
    if period == "week":
        y, w = key.split("-W")
        return date.fromisocalendar(int(y), int(w), 1)
    if period == "month":
        y, m = map(int, key.split("-"))
        return date(y, m, 1)
    return date(int(key), 1, 1)


def previous_period(key: str, period: str) -> str | None:
    """The label of the period just before ``key`` (None for ``all`` and unknown dates)."""
    if period == "all" or key == UNKNOWN:
        return None
    if period == "day":
        return (date.fromisoformat(key) - timedelta(days=1)).isoformat()
    if period == "week":
        y, w = key.split("-W")
        monday = date.fromisocalendar(int(y), int(w), 1)
        return period_key(monday - timedelta(days=7), "week")
    if period == "month":
        y, m = map(int, key.split("-"))
        return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
    if period == "year":
        return str(int(key) - 1)
    return None


def complaint_labels(result: dict) -> list[tuple[str, str]]:
    """The distinct complaint types of a result as (id, display name): labels are strings or
    ``{type, title, …}`` dicts (the display name is the title when there is one)."""
    raw = ((result.get("labels") or {}).get("complaint_types")) or []
    out: list[tuple[str, str]] = []
    for item in raw:
        if isinstance(item, str):
            pair = (item, item)
        elif isinstance(item, dict):
            ident = item.get("type") or item.get("id") or item.get("label") or item.get("title")
            if not ident:
                continue
            pair = (str(ident), str(item.get("title") or ident))
        else:
            continue
        if pair not in out:
            out.append(pair)
    return out


def complaint_types(result: dict) -> list[str]:
    """The display names of a result's complaint types."""
    return [name for _, name in complaint_labels(result)]


def is_timing_finding(f: dict) -> bool:
    if str(f.get("rule", "")).startswith("timing."):
        return True
    tags = f.get("tags")
    return bool(tags) and any(t == "timing" or str(t).startswith("timing.") for t in tags)


def _lookup(meta: Any, path: str) -> Any:
    if isinstance(meta, dict) and path in meta:
        return meta[path]
    cur = meta
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def rating_percent(result: dict, fields: dict[str, float]) -> float | None:
    """The customer's rating as a percentage of its scale (first field found wins), or None."""
    meta = result.get("metadata") or {}
    for path, scale in fields.items():
        v = _lookup(meta, path)
        if v is None or isinstance(v, bool):
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if 0 <= x <= scale:
            return 100.0 * x / scale
    return None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


# ---------------------------------------------------------------- aggregation


@dataclass
class Row:
    """One scorecard row: a group (agent and/or team) in one period, with its KPIs."""

    group: dict[str, str]
    period: str
    conversations: int = 0
    passed: int = 0
    fatal: int = 0
    score_sum: float = 0.0
    findings: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    by_tag: dict[str, int] = field(default_factory=dict)
    complaints: int = 0
    complaints_by_type: dict[str, int] = field(default_factory=dict)
    timing: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sla_judged: int = 0
    sla_met: int = 0
    ratings: list[float] = field(default_factory=list)
    reviewed: int = 0
    escalation: dict[str, Any] = field(default_factory=dict)
    low_volume: bool = False
    rank: int | None = None
    change: dict[str, float | None] | None = None
    previous: str | None = None
    below_floor: bool = False
    _complaints: list[tuple[float, str, str]] = field(default_factory=list, repr=False)  # (time, conv, agent)

    @property
    def label(self) -> str:
        return " / ".join(self.group.values())

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.conversations if self.conversations else None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.conversations if self.conversations else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.conversations if self.conversations else None

    @property
    def findings_per_100(self) -> float | None:
        return 100.0 * self.findings / self.conversations if self.conversations else None

    def per_100(self, counts: dict[str, int]) -> dict[str, float]:
        n = self.conversations or 1
        return {k: round(100.0 * v / n, 2) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}

    def mean_metric(self, name: str) -> float | None:
        xs = self.timing.get(name) or []
        return sum(xs) / len(xs) if xs else None

    @property
    def sla_attainment(self) -> float | None:
        return self.sla_met / self.sla_judged if self.sla_judged else None

    @property
    def satisfaction(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    def kpis(self) -> dict[str, float | None]:
        """The numeric KPIs compared between periods."""
        return {"mean_score": self.mean_score, "pass_rate": self.pass_rate, "fatal": float(self.fatal),
                "complaint_rate": self.complaint_rate, "findings_per_100": self.findings_per_100,
                "first_response_s": self.mean_metric("first_response_s"),
                "reply_wait_mean_s": self.mean_metric("reply_wait_mean_s"),
                "handle_time_s": self.mean_metric("handle_time_s"),
                "sla_attainment": self.sla_attainment, "satisfaction": self.satisfaction}

    def to_dict(self) -> dict[str, Any]:
        def r(x, nd=4):
            return round(x, nd) if isinstance(x, float) else x

        return {
            **self.group, "period": self.period, "conversations": self.conversations,
            "mean_score": r(self.mean_score, 2), "pass_rate": r(self.pass_rate), "passed": self.passed,
            "fatal": self.fatal, "findings": self.findings, "findings_per_100": r(self.findings_per_100, 2),
            "findings_per_100_by_rule": self.per_100(self.by_rule),
            "findings_per_100_by_tag": self.per_100(self.by_tag),
            "complaints": self.complaints, "complaint_rate": r(self.complaint_rate),
            "complaints_by_type": dict(sorted(self.complaints_by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
            "first_response_mean_s": r(self.mean_metric("first_response_s"), 2),
            "reply_wait_mean_s": r(self.mean_metric("reply_wait_mean_s"), 2),
            "handle_time_mean_s": r(self.mean_metric("handle_time_s"), 2),
            "sla_judged": self.sla_judged, "sla_attainment": r(self.sla_attainment),
            "satisfaction": r(self.satisfaction, 2), "rated": len(self.ratings),
            "reviewed": self.reviewed, "escalation": self.escalation, "low_volume": self.low_volume,
            "rank": self.rank, "below_floor": self.below_floor, "previous_period": self.previous,
            "change": {k: r(v) for k, v in self.change.items()} if self.change is not None else None,
        }


@dataclass
class Scorecard:
    by: tuple[str, ...]
    period: str
    rows: list[Row]
    policy: Policy
    since: date | None = None
    until: date | None = None
    excluded: int = 0   # results outside --since/--until or without a date when one was asked for
    total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"by": list(self.by), "period": self.period,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "min_conversations": self.policy.min_conversations,
                "ladder": [s.describe() for s in self.policy.ladder],
                "conversations": self.total, "excluded": self.excluded,
                "rows": [r.to_dict() for r in self.rows]}


def parse_by(by: str | Iterable[str]) -> tuple[str, ...]:
    key = by if isinstance(by, str) else ",".join(by)
    key = key.replace(" ", "")
    if key not in GROUPINGS:
        raise ConfigError(f"cannot group by {key!r}", hint=f"use one of: {', '.join(GROUPINGS)}")
    return GROUPINGS[key]


def parse_day(value: str | date | None, option: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} expects a date like 2026-11-01, got {value!r}") from None


def aggregate(results: Iterable[ResultDict], by: str | Iterable[str] = "agent", period: str = "month",
              policy: Policy | None = None, since: str | date | None = None,
              until: str | date | None = None) -> Scorecard:
    """Aggregate score results into scorecard rows (streaming over ``results``).

    ``since``/``until`` are inclusive calendar dates compared with each conversation's local start
    date; with either set, results without ``started_at`` are excluded (and counted in ``excluded``).
    """
    keys = parse_by(by)
    if period not in PERIODS:
        raise ConfigError(f"unknown period {period!r}", hint=f"choose one of {', '.join(PERIODS)}")
    policy = policy or Policy()
    since_d, until_d = parse_day(since, "--since"), parse_day(until, "--until")
    rows: dict[tuple, Row] = {}
    context: dict[tuple, Row] = {}   # the period before --since, only to compute the first period's change
    context_from = None
    if since_d is not None and period != "all":
        context_from = period_start(previous_period(period_key(since_d, period), period), period)
    excluded = total = 0
    for res in results:
        started = parse_time(res.get("started_at"))
        day = started.date() if started else None
        group = {k: str(res.get("agent_id" if k == "agent" else k) or UNKNOWN) for k in keys}
        if (since_d or until_d) and (day is None or (since_d and day < since_d) or (until_d and day > until_d)):
            excluded += 1
            if context_from is not None and day is not None and context_from <= day < since_d:
                _add(_row(context, group, period_key(day, period)), res, policy, started)
            continue
        total += 1
        pk = period_key(day, period)
        _add(_row(rows, group, pk), res, policy, started)
    out = list(rows.values())
    for row in out:
        _escalate(row, policy)
    _rank_and_compare(out, period, policy, list(context.values()))
    out.sort(key=lambda r: (r.period, r.low_volume, r.rank if r.rank is not None else 1 << 30, r.label))
    return Scorecard(keys, period, out, policy, since_d, until_d, excluded, total)


def _row(rows: dict[tuple, Row], group: dict[str, str], pk: str) -> Row:
    key = (tuple(group.values()), pk)
    row = rows.get(key)
    if row is None:
        row = rows[key] = Row(group=group, period=pk)
    return row


def _add(row: Row, res: dict, policy: Policy, started: datetime | None) -> None:
    row.conversations += 1
    row.passed += bool(res.get("passed"))
    row.fatal += bool(res.get("fatal"))
    row.score_sum += float(res.get("score") or 0.0)
    row.reviewed += bool(res.get("reviews"))
    findings = res.get("findings") or []
    row.findings += len(findings)
    timing_breach = False
    for f in findings:
        rule = str(f.get("rule"))
        row.by_rule[rule] = row.by_rule.get(rule, 0) + 1
        for t in f.get("tags") or ():
            row.by_tag[t] = row.by_tag.get(t, 0) + 1
        timing_breach = timing_breach or is_timing_finding(f)
    labels = complaint_labels(res)
    if labels:
        row.complaints += 1
        for _, name in labels:
            row.complaints_by_type[name] = row.complaints_by_type.get(name, 0) + 1
        counted = [i for i, name in labels if policy.complaint_types is None
                   or i in policy.complaint_types or name in policy.complaint_types]
        if counted:
            when = started.timestamp() if started and started.tzinfo else float("inf")
            row._complaints.append((when, str(res.get("conversation_id")), str(res.get("agent_id") or UNKNOWN)))
    metrics = res.get("metrics") or {}
    has_timing = False
    for m in TIMING_METRICS:
        v = _num(metrics.get(m))
        if v is not None:
            row.timing[m].append(v)
            has_timing = True
    if timing_breach or has_timing:
        row.sla_judged += 1
        row.sla_met += not timing_breach
    rating = rating_percent(res, policy.rating_fields)
    if rating is not None:
        row.ratings.append(rating)


def _escalate(row: Row, policy: Policy) -> None:
    """Walk each agent's counted complaints up the ladder in time order (beyond the top, the top repeats).

    A row holding several agents (a team) sums their penalties and lists the agents due for review.
    """
    by_agent: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for when, cid, agent in row._complaints:
        by_agent[agent].append((when, cid))
    steps = []
    penalty = 0.0
    flagged = []
    for agent in sorted(by_agent):
        for k, (_, cid) in enumerate(sorted(by_agent[agent])):
            step = policy.ladder[min(k, len(policy.ladder) - 1)]
            penalty += step.penalty
            if step.review and agent not in flagged:
                flagged.append(agent)
            steps.append({"conversation_id": cid, "agent": agent, "step": k + 1, "action": step.describe()})
    row.escalation = {"complaints": len(row._complaints), "penalty": penalty, "review": bool(flagged),
                      "agents_for_review": flagged, "steps": steps}


def _rank_and_compare(rows: list[Row], period: str, policy: Policy, context: list[Row] = ()) -> None:
    by_period: dict[str, list[Row]] = defaultdict(list)
    index = {(tuple(r.group.values()), r.period): r for r in context}
    for row in rows:
        by_period[row.period].append(row)
        index[(tuple(row.group.values()), row.period)] = row
        row.low_volume = row.conversations < policy.min_conversations
        if policy.pass_rate_floor is not None and row.pass_rate is not None:
            row.below_floor = row.pass_rate < policy.pass_rate_floor
    for same in by_period.values():
        ranked = sorted((r for r in same if not r.low_volume),
                        key=lambda r: (-(r.mean_score or 0.0), -(r.pass_rate or 0.0), r.label))
        for k, r in enumerate(ranked, 1):
            r.rank = k
    for row in rows:
        prev_key = previous_period(row.period, period)
        if prev_key is None:
            continue
        row.previous = prev_key
        prev = index.get((tuple(row.group.values()), prev_key))
        if prev is None:
            continue
        now, before = row.kpis(), prev.kpis()
        row.change = {k: (now[k] - before[k]) if now[k] is not None and before[k] is not None else None
                      for k in now}

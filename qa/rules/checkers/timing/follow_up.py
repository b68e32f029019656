"""``follow_up``: promised follow-ups and callbacks done in time, from conversation metadata.

Promises live in ``metadata.follow_ups`` (a list) or ``metadata.follow_up`` (one), each an object::

    {"kind": "follow_up", "promised_at": "2026-11-02T10:00:00+08:00",
     "due_at": "…optional explicit deadline…", "done_at": "2026-11-03T09:30:00+08:00"}

``kind`` defaults to ``follow_up``; a rule judges the kinds in ``kinds``. The deadline is
``due_at`` if given, else ``promised_at`` (or, without it, the conversation's last message) plus
``max_hours``. A promise done after its deadline is a finding. A promise without ``done_at``, or
with times that cannot be read or compared, cannot be judged; if no promise of the rule's kinds
can be judged the rule is not applicable, with the reason.

Metric: ``<kind>_hours`` — the longest time from promise to completion of that kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from qa.errors import InputError
from qa.ingest.canonical import parse_time
from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker


class FollowUpChecker(TimingChecker):
    name = "follow_up"
    tag = "timing.follow_up"
    description = "Promised follow-ups/callbacks (metadata) completed within max_hours."
    options = {
        "kinds": Option(list, item=str, default=["follow_up"], doc="which promise kinds this rule judges"),
        "max_hours": Option(float, default=24.0, doc="hours from the promise to completion"),
    }

    def check(self, conv):
        c = conv.conv
        md = c.metadata
        raw = md.get("follow_ups")
        field = "metadata.follow_ups"
        if raw is None and md.get("follow_up") is not None:
            raw, field = [md["follow_up"]], "metadata.follow_up"
        kinds = set(self.opt("kinds"))
        if not isinstance(raw, list):
            return self.not_applicable(f"no {'/'.join(sorted(kinds))} promise in the metadata")
        entries = [(j, e) for j, e in enumerate(raw) if isinstance(e, dict) and e.get("kind", "follow_up") in kinds]
        if not entries:
            return self.not_applicable(f"no {'/'.join(sorted(kinds))} promise in the metadata")
        out = self.outcome()
        limit = timedelta(hours=self.opt("max_hours"))
        reasons: list[str] = []
        longest: dict[str, float] = {}
        judged = 0
        for j, e in entries:
            where = f"{field}[{j}]" if field.endswith("s") else field
            try:
                promised = self._time(e, "promised_at", where) or _conversation_end(c)
                due = self._time(e, "due_at", where)
                done = self._time(e, "done_at", where)
            except InputError as exc:
                reasons.append(f"{exc.field}: {exc.message}")
                continue
            if done is None:
                reasons.append(f"{where}: no done_at (completion time) recorded")
                continue
            if promised is None:
                reasons.append(f"{where}: no promised_at and no message times to start from")
                continue
            deadline = due if due is not None else promised + limit
            try:
                late = done > deadline
                took = (done - promised).total_seconds() / 3600.0
            except TypeError:
                reasons.append(f"{where}: mixes times with and without a UTC offset")
                continue
            judged += 1
            kind = e.get("kind", "follow_up")
            longest[kind] = max(longest.get(kind, 0.0), took)
            if late:
                over = (done - deadline).total_seconds() / 3600.0
                out.findings.append(self.finding(
                    conv, None, None,
                    f"{self.rule.title}: {kind} done {took:.1f} h after the promise, {over:.1f} h past the "
                    f"deadline ({deadline.isoformat()})",
                    kind=kind, hours=round(took, 2), hours_late=round(over, 2), entry=j))
        if not judged:
            return self.not_applicable("; ".join(reasons))
        for kind, h in longest.items():
            out.metrics[f"{kind}_hours"] = round(h, 2)
        return out

    @staticmethod
    def _time(entry: dict, key: str, where: str) -> datetime | None:
        v = entry.get(key)
        return parse_time(v, f"{where}.{key}") if v is not None else None


def _conversation_end(c) -> datetime | None:
    times = [t.ts for t in c.turns if t.ts is not None]
    if times:
        return times[-1]
    ends = [t.end if t.end is not None else t.start for t in c.turns]
    ends = [x for x in ends if x is not None]
    if c.started_at is not None and ends:
        return c.started_at + timedelta(seconds=max(ends))
    return None

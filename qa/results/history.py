"""Questions asked of the history store: compare two runs, trends per agent or team over periods."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from qa.results.scorecard import Policy, aggregate
from qa.store import Store


def _rules(r: dict) -> Counter:
    return Counter(f["rule"] for f in r.get("findings") or ())


def compare_results(a: Iterable[dict], b: Iterable[dict]) -> dict[str, Any]:
    """Which conversations changed between result sets A and B, for which agents, and which rules caused it.

    A conversation changed if its score, verdict or findings per rule differ. ``rules`` sums, per rule,
    the findings that appeared (``added``) or disappeared (``removed``) and the conversations touched.
    """
    ra = {r["conversation_id"]: r for r in a}
    rb = {r["conversation_id"]: r for r in b}
    changed = []
    rules: dict[str, dict[str, Any]] = {}
    agents: dict[str, dict[str, Any]] = {}
    for cid in sorted(set(ra) & set(rb)):
        x, y = ra[cid], rb[cid]
        cx, cy = _rules(x), _rules(y)
        added = {k: cy[k] - cx[k] for k in cy if cy[k] > cx[k]}
        removed = {k: cx[k] - cy[k] for k in cx if cx[k] > cy[k]}
        delta = round(float(y["score"]) - float(x["score"]), 4)
        if not (added or removed or delta or bool(x["passed"]) != bool(y["passed"])):
            continue
        agent = y.get("agent_id") or x.get("agent_id") or "—"
        changed.append({"conversation_id": cid, "agent_id": agent, "team": y.get("team"),
                        "score_a": x["score"], "score_b": y["score"], "delta": delta,
                        "passed_a": bool(x["passed"]), "passed_b": bool(y["passed"]),
                        "rules_added": added, "rules_removed": removed})
        for k, n in added.items():
            e = rules.setdefault(k, {"rule": k, "added": 0, "removed": 0, "conversations": 0})
            e["added"] += n
        for k, n in removed.items():
            e = rules.setdefault(k, {"rule": k, "added": 0, "removed": 0, "conversations": 0})
            e["removed"] += n
        for k in set(added) | set(removed):
            rules[k]["conversations"] += 1
        ag = agents.setdefault(agent, {"agent_id": agent, "changed": 0, "delta_sum": 0.0, "verdict_flips": 0})
        ag["changed"] += 1
        ag["delta_sum"] += delta
        ag["verdict_flips"] += bool(x["passed"]) != bool(y["passed"])
    agent_rows = []
    for ag in agents.values():
        agent_rows.append({"agent_id": ag["agent_id"], "changed": ag["changed"],
                           "mean_delta": round(ag["delta_sum"] / ag["changed"], 2), "verdict_flips": ag["verdict_flips"]})
    changed.sort(key=lambda c: (-abs(c["delta"]), c["conversation_id"]))
    return {
        "changed": changed,
        "unchanged": len(set(ra) & set(rb)) - len(changed),
        "only_in_a": sorted(set(ra) - set(rb)),
        "only_in_b": sorted(set(rb) - set(ra)),
        "agents": sorted(agent_rows, key=lambda r: (-r["changed"], r["agent_id"])),
        "rules": sorted(rules.values(), key=lambda r: (-(r["added"] + r["removed"]), r["rule"])),
    }


def compare_runs(store: Store, run_a, run_b) -> dict[str, Any]:
    out = compare_results(store.results(run_a), store.results(run_b))
    out["run_a"] = store.run(run_a)
    out["run_b"] = store.run(run_b)
    return out


def trend(results: Iterable[dict], by: str = "agent", period: str = "month",
          policy: Policy | None = None) -> dict[str, Any]:
    """Mean score, pass rate and complaint rate per group per period, as a pivot for tables and charts."""
    sc = aggregate(results, by=by, period=period, policy=policy)
    periods = sorted({r.period for r in sc.rows})
    series: dict[str, dict[str, dict]] = {}
    for row in sc.rows:
        series.setdefault(row.label, {})[row.period] = {
            "conversations": row.conversations, "mean_score": row.mean_score, "pass_rate": row.pass_rate,
            "complaint_rate": row.complaint_rate}
    return {"by": by, "period": period, "periods": periods, "series": series}

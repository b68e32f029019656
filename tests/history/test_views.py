"""The dashboard views (docs/history.md) agree with `qa scorecard` on real scored chats, on both engines:
agent_day (conversations, mean score, pass rate, complaints, SLA attainment, timing means), complaint_day
and rule_day, over the latest result of each conversation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qa.results.scorecard import aggregate
from qa.store import Store, record_run

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "zh-chat-timed" / "sample.jsonl"


def _score(rubric_name: str) -> list[dict]:
    from qa import load_rubric, read_conversations, score_conversations

    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is not in this checkout")
    return list(score_conversations(read_conversations(SAMPLE), load_rubric(rubric_name)))


@pytest.fixture(scope="module")
def scored() -> dict[str, list[dict]]:
    """The 200 timed zh chats scored with the full rubric and with the timing rubric alone."""
    return {name: _score(name) for name in ("zh-customer-service", "cs-timing-zh")}


def _close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == pytest.approx(b, abs=1e-9))


def test_agent_day_matches_the_scorecard(db, scored):
    results = scored["zh-customer-service"]
    assert sum(bool(r["labels"]["complaint_types"]) for r in results) > 20       # the KPIs have something to count
    record_run(db, results)
    card = {(row.group["agent"], row.period): row for row in aggregate(results, by="agent", period="day").rows}
    with Store(db) as st:
        view = st.query("SELECT * FROM agent_day")
    assert len(view) == len(card) and sum(v["conversations"] for v in view) == 200
    for v in view:
        row = card[(v["agent_id"], v["day"])]
        assert v["conversations"] == row.conversations and v["passed"] == row.passed
        assert _close(v["mean_score"], row.mean_score) and _close(v["pass_rate"], row.pass_rate)
        assert v["complaints"] == row.complaints and _close(v["complaint_rate"], row.complaint_rate)
        assert (v["sla_judged"], v["sla_met"]) == (row.sla_judged, row.sla_met)
        assert _close(v["sla_attainment"], row.sla_attainment)
        assert _close(v["first_response_mean_s"], row.mean_metric("first_response_s"))
        assert _close(v["handle_time_mean_s"], row.mean_metric("handle_time_s"))
        assert v["findings"] == row.findings and v["fatal"] == row.fatal


def test_complaint_day_and_rule_day_match_the_scorecard(db, scored):
    results = scored["zh-customer-service"]
    record_run(db, results)
    rows = aggregate(results, by="agent", period="day").rows
    complaints, rules = Counter(), Counter()
    for row in rows:
        complaints.update({(row.group["agent"], row.period, t): n for t, n in row.complaints_by_type.items()})
        rules.update({(row.period, rule): n for rule, n in row.by_rule.items()})
    with Store(db) as st:
        assert {(v["agent_id"], v["day"], v["title"]): v["conversations"]
                for v in st.query("SELECT * FROM complaint_day")} == dict(complaints)
        got = Counter()
        for v in st.query("SELECT day, rule, findings FROM rule_day"):
            got[(v["day"], v["rule"])] += v["findings"]
    assert got == rules


def test_views_read_the_latest_run_of_each_conversation(db, scored):
    record_run(db, scored["zh-customer-service"])
    record_run(db, scored["cs-timing-zh"])          # the same conversations, rescored with the timing rules only
    with Store(db) as st:
        assert st.query("SELECT sum(conversations) AS n FROM agent_day") == [{"n": 200}]
        rules = {v["rule"] for v in st.query("SELECT DISTINCT rule FROM rule_day")}
        assert rules and all(r.startswith("timing.") for r in rules)
        assert {v["rubric_id"] for v in st.query("SELECT DISTINCT rubric_id FROM latest_results")} == {"cs-timing-zh"}

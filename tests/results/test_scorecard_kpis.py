"""KPI arithmetic of qa.results.scorecard on hand-checked cases."""

from __future__ import annotations

import pytest

from qa.errors import ConfigError, RubricError
from qa.results.scorecard import Policy, Step, aggregate, period_key, policy_from_dict, previous_period
from tests.results.results_factory import finding, result


def _november_a1():
    return [
        result("c1", score=100, metrics={"first_response_s": 10, "reply_wait_mean_s": 12, "handle_time_s": 300},
               metadata={"csat": 5}, started="2026-11-02T09:00:00+08:00"),
        result("c2", score=70, passed=False,
               findings=[finding("ban.refusal", tags=["banned"]),
                         finding("timing.reply_wait", tags=["timing.reply_wait"], span=None)],
               complaints=["服务态度"], metrics={"first_response_s": 30, "handle_time_s": 600},
               metadata={"csat": "3"}, started="2026-11-05T09:00:00+08:00"),
        result("c3", score=0, passed=False, fatal=True, findings=[finding("ban.abuse", severity="critical")],
               complaints=[{"type": "服务态度", "score": 0.9}, {"type": "运输时效"}], started="2026-11-07T09:00:00+08:00"),
        result("c4", score=90, findings=[finding("ban.refusal", turn=1), finding("ban.refusal", turn=3)],
               complaints=["服务态度"], started="2026-11-20T23:30:00+08:00"),
    ]


def _october_a1():
    return [result(f"o{k}", score=80, started=f"2026-10-{k + 1:02d}T10:00:00+08:00") for k in range(5)]


def _november_a2():
    return [result(f"b{k}", agent="A2", team="T2", score=95, started="2026-11-10T10:00:00+08:00") for k in range(5)]


def _row(sc, agent, period):
    rows = [r for r in sc.rows if r.group.get("agent") == agent and r.period == period]
    assert len(rows) == 1, rows
    return rows[0].to_dict()


def test_agent_month_kpis_hand_checked():
    sc = aggregate(_november_a1() + _october_a1() + _november_a2(), by="agent", period="month")
    a1 = _row(sc, "A1", "2026-11")
    assert a1["conversations"] == 4
    assert a1["mean_score"] == 65.0                       # (100 + 70 + 0 + 90) / 4
    assert a1["pass_rate"] == 0.5 and a1["passed"] == 2
    assert a1["fatal"] == 1
    assert a1["findings"] == 5 and a1["findings_per_100"] == 125.0
    assert a1["findings_per_100_by_rule"] == {"ban.refusal": 75.0, "ban.abuse": 25.0, "timing.reply_wait": 25.0}
    assert a1["findings_per_100_by_tag"] == {"banned": 25.0, "timing.reply_wait": 25.0}
    assert a1["complaints"] == 3 and a1["complaint_rate"] == 0.75
    assert a1["complaints_by_type"] == {"服务态度": 3, "运输时效": 1}
    assert a1["first_response_mean_s"] == 20.0           # only c1 and c2 carry it
    assert a1["reply_wait_mean_s"] == 12.0
    assert a1["handle_time_mean_s"] == 450.0
    assert a1["sla_judged"] == 2 and a1["sla_attainment"] == 0.5   # c1 met, c2 breached (timing finding)
    assert a1["satisfaction"] == 80.0 and a1["rated"] == 2          # 5/5 → 100 %, 3/5 → 60 %
    # seeds' ladder: 30, then doubled, then review
    esc = a1["escalation"]
    assert esc["complaints"] == 3 and esc["penalty"] == 90.0 and esc["review"] is True
    assert [s["conversation_id"] for s in esc["steps"]] == ["c2", "c3", "c4"]
    assert [s["action"] for s in esc["steps"]] == ["penalty 30", "penalty 60", "review"]
    # change against October (5 × 80, all passed)
    assert a1["previous_period"] == "2026-10"
    assert a1["change"]["mean_score"] == -15.0
    assert a1["change"]["pass_rate"] == -0.5
    assert a1["change"]["complaint_rate"] == 0.75
    assert a1["change"]["first_response_s"] is None       # October had no timing metrics
    # 4 < min_conversations (5): marked, not ranked; A2 (5 conversations) ranks first
    assert a1["low_volume"] is True and a1["rank"] is None
    a2 = _row(sc, "A2", "2026-11")
    assert a2["low_volume"] is False and a2["rank"] == 1 and a2["change"] is None
    oct_a1 = _row(sc, "A1", "2026-10")
    assert oct_a1["rank"] == 1 and oct_a1["sla_attainment"] is None and oct_a1["satisfaction"] is None


def test_missing_timing_and_labels_give_none_not_zero():
    r = result("x", score=88)
    del r["metrics"]
    del r["labels"]
    row = aggregate([r], period="all").rows[0].to_dict()
    assert row["period"] == "all"
    assert row["complaints"] == 0 and row["complaint_rate"] == 0.0
    assert row["first_response_mean_s"] is None and row["handle_time_mean_s"] is None
    assert row["sla_attainment"] is None and row["satisfaction"] is None


def test_group_by_team_and_agent_team():
    data = _november_a1() + _november_a2()
    teams = {r.group["team"]: r.to_dict() for r in aggregate(data, by="team", period="month").rows}
    assert teams["T1"]["conversations"] == 4 and teams["T2"]["mean_score"] == 95.0
    both = aggregate(data, by="agent,team", period="year").rows
    assert sorted((r.group["agent"], r.group["team"], r.period) for r in both) == [
        ("A1", "T1", "2026"), ("A2", "T2", "2026")]


def test_since_until_inclusive_and_excluded_count():
    data = _november_a1() + _october_a1()
    sc = aggregate(data, period="month", since="2026-11-05", until="2026-11-20")
    assert sc.total == 3 and sc.excluded == 6       # c2, c3, c4 (23:30 local on the 20th) kept
    no_date = result("nd", started=None)
    assert aggregate([no_date], since="2026-01-01").excluded == 1
    with pytest.raises(ConfigError, match="--since"):
        aggregate(data, since="yesterday")


def test_period_labels_use_local_date_and_previous_period():
    sc = aggregate([result("late", started="2026-12-31T23:59:00+08:00")], period="day")
    assert sc.rows[0].period == "2026-12-31"
    from datetime import date

    assert period_key(date(2027, 1, 1), "week") == "2026-W53"
    assert previous_period("2027-W01", "week") == "2026-W53"
    assert previous_period("2026-01", "month") == "2025-12"
    assert previous_period("2026-03-01", "day") == "2026-02-28"
    assert previous_period("2026", "year") == "2025"


def test_escalation_policy_from_rubric_section():
    p = policy_from_dict({"min_conversations": 2, "escalation": {"penalty": 50, "factor": 3, "review_at": 4,
                                                                  "types": ["服务态度"]}})
    assert p.ladder == (Step(50.0), Step(150.0), Step(450.0), Step(0.0, review=True))
    sc = aggregate(_november_a1(), period="month", policy=p)
    esc = sc.rows[0].to_dict()["escalation"]
    assert esc["complaints"] == 3 and esc["penalty"] == 650.0 and esc["review"] is False
    only_transport = policy_from_dict({"escalation": {"types": ["运输时效"], "ladder": [{"penalty": 10}]}})
    esc = aggregate(_november_a1(), policy=only_transport).rows[0].to_dict()["escalation"]
    assert esc["complaints"] == 1 and esc["penalty"] == 10.0
    assert sc.rows[0].low_volume is False and sc.rows[0].rank == 1


def test_policy_errors_name_the_field():
    with pytest.raises(RubricError, match=r"scorecard.escalation.ladder\[1\].penalty"):
        policy_from_dict({"escalation": {"ladder": [{"penalty": 1}, {"penalty": -2}]}}, path="r.yaml")
    with pytest.raises(RubricError, match="did you mean|allowed keys"):
        policy_from_dict({"min_conversation": 3})
    with pytest.raises(RubricError, match="min_conversations"):
        policy_from_dict({"min_conversations": 0})


def test_rating_fields_with_nested_paths_and_scales():
    p = Policy(rating_fields={"caller.survey_response.data.partner_rating": 10})
    rs = [result("h1", metadata={"caller": {"survey_response": {"data": {"partner_rating": "7"}}}}),
          result("h2", metadata={"caller": {"survey_response": {"data": {"partner_rating": "10"}}}}),
          result("h3", metadata={"caller": {"survey_response": {"data": {"partner_rating": "n/a"}}}})]
    row = aggregate(rs, policy=p).rows[0].to_dict()
    assert row["satisfaction"] == 85.0 and row["rated"] == 2


def test_unknown_grouping_is_a_config_error():
    with pytest.raises(ConfigError, match="agent,team"):
        aggregate([], by="queue")


def test_default_ladder_counts_only_service_complaints():
    rs = [result("s1", complaints=[{"type": "service_attitude", "title": "服务态度"}]),
          result("s2", complaints=[{"type": "logistics_delay", "title": "物流时效"}]),
          result("s3", complaints=[{"type": "service_attitude", "title": "服务态度"}, {"type": "other"}])]
    row = aggregate(rs, period="all").rows[0].to_dict()
    assert row["complaints"] == 3 and row["complaints_by_type"] == {"服务态度": 2, "other": 1, "物流时效": 1}
    assert row["escalation"]["complaints"] == 2 and row["escalation"]["penalty"] == 90.0
    assert row["escalation"]["review"] is False
    every = aggregate(rs, period="all", policy=policy_from_dict({"escalation": {"types": "all"}})).rows[0]
    assert every.to_dict()["escalation"]["review"] is True


def test_team_rows_walk_the_ladder_per_agent():
    svc = [{"type": "service_attitude", "title": "服务态度"}]
    rs = [result("t1", agent="A1", complaints=svc, started="2026-11-01T10:00:00+08:00"),
          result("t2", agent="A2", complaints=svc, started="2026-11-02T10:00:00+08:00"),
          result("t3", agent="A1", complaints=svc, started="2026-11-03T10:00:00+08:00"),
          result("t4", agent="A1", complaints=svc, started="2026-11-02T01:00:00+00:00")]   # = 09:00 +08, before t2
    esc = aggregate(rs, by="team", period="month").rows[0].to_dict()["escalation"]
    # A1: t1 (30), t4 (60), t3 (review); A2: t2 (30) — not 4 steps of one ladder
    assert esc["complaints"] == 4 and esc["penalty"] == 120.0 and esc["agents_for_review"] == ["A1"]
    assert [(s["conversation_id"], s["step"]) for s in esc["steps"]] == [("t1", 1), ("t4", 2), ("t3", 3), ("t2", 1)]


def test_since_still_compares_the_first_period_with_the_one_before():
    data = _november_a1() + _october_a1()
    sc = aggregate(data, period="month", since="2026-11-01")
    assert [r.period for r in sc.rows] == ["2026-11"] and sc.total == 4 and sc.excluded == 5
    assert sc.rows[0].to_dict()["change"]["mean_score"] == -15.0
    mid = aggregate(data, period="month", since="2026-11-05").rows[0].to_dict()
    assert mid["conversations"] == 3 and mid["change"]["mean_score"] == round((70 + 0 + 90) / 3 - 80, 4)
    assert aggregate(_november_a1(), period="week", since="2026-11-02").rows[0].to_dict()["previous_period"] == "2026-W44"

"""Hand-built score results in the shape ``qa score -f jsonl`` writes (docs/format.md)."""

from __future__ import annotations

RUBRIC = {"id": "zh-customer-service", "version": "1.0.0", "hash": "h-test"}


def finding(rule, turn=0, span=(0, 2), tags=(), severity="minor", points=5.0, evidence="没办法", message=None,
            time=None):
    return {"rule": rule, "checker": "phrase", "severity": severity, "points": points, "tags": list(tags),
            "turn": turn, "span": list(span) if span else None, "time": time, "evidence": evidence,
            "message": message or f"{rule}: {evidence}"}


def result(cid, agent="A1", team="T1", score=100.0, passed=True, fatal=False, started="2026-11-03T09:00:00+08:00",
           findings=(), complaints=(), metrics=None, metadata=None, channel="chat"):
    r = {"conversation_id": cid, "agent_id": agent, "team": team, "channel": channel, "language": "zh",
         "started_at": started, "turns": 4, "rubric": dict(RUBRIC), "score": score, "max_score": 100.0,
         "passed": passed, "fatal": fatal, "sections": {}, "findings": list(findings), "not_applicable": [],
         "labels": {"complaint_types": list(complaints)}, "metrics": dict(metrics or {})}
    if metadata:
        r["metadata"] = metadata
    return r

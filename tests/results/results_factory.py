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


def month():
    """Six results, 1-6 November 2026: agent A1 for c0-c3, A2 for c4 and a spreadsheet formula as c5's agent
    id; c0 and c1 have a ban.refusal finding and c1 failed."""
    out = []
    for k in range(6):
        fs = [finding("ban.refusal", turn=1, span=(0, 3))] if k < 2 else []
        out.append(result(f"c{k}", agent="A1" if k < 4 else "A2", team="T1", score=95.0 if fs else 100.0,
                          passed=k != 1, findings=fs, started=f"2026-11-{k + 1:02d}T10:00:00+08:00"))
    out[5]["agent_id"] = "=HYPERLINK(\"http://x\")"
    return out



"""Small builders for timing tests: a one-rule rubric and a scored canonical conversation."""

from __future__ import annotations

from qa import build_rubric, score_conversation
from qa.ingest.canonical import conversation_from_dict


def rubric(checker: str, language: str = "zh", **options):
    rule = {"id": f"t.{checker}", "checker": checker, "title": checker, "points": 1, **options}
    return build_rubric({"id": "t", "version": "1", "language": language, "rules": [rule]}, "inline.yaml")


def conv(turns, channel: str = "chat", language: str = "zh", **top):
    return conversation_from_dict({"id": "c", "channel": channel, "language": language, **top, "turns": turns})


def score(checker: str, turns, *, channel="chat", language="zh", top=None, **options):
    """Score ``turns`` with a one-rule rubric; returns (findings of the rule, result)."""
    r = rubric(checker, language, **options)
    res = score_conversation(conv(turns, channel, language, **(top or {})), r)
    assert not res.get("errors"), res.get("errors")
    return [f for f in res["findings"] if f["rule"] == f"t.{checker}"], res


def na_reason(res, checker: str) -> str | None:
    return res["not_applicable_reasons"].get(f"t.{checker}")


def call(role, text, start, end, **kw):
    return {"role": role, "text": text, "start": start, "end": end, **kw}


def chat(role, text, ts=None, **kw):
    d = {"role": role, "text": text, **kw}
    if ts is not None:
        d["ts"] = ts
    return d

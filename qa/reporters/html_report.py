"""The HTML report: one self-contained file with charts, a sortable agent table and per-conversation
drill-down (transcript with findings highlighted in place).

Everything from the input is hostile: the template autoescapes, highlighted spans are cut on the
server into plain text pieces (never HTML strings), and a Content-Security-Policy with a per-report
nonce lets only the report's own script run and blocks any network access.
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qa.ingest import read_conversations
from qa.ingest.base import Reader
from qa.reporters import charts
from qa.results.redact import find_pii, redact_result
from qa.results.scorecard import Policy, aggregate, complaint_types

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_DRILLDOWN = 2000


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[str, list[int]]]:
    """Cut ``text`` at every span boundary; each piece carries the ids of the findings covering it."""
    n = len(text)
    cuts = {0, n}
    clean = []
    for s, e, fid in spans:
        s, e = max(0, min(n, s)), max(0, min(n, e))
        if e > s:
            clean.append((s, e, fid))
            cuts.update((s, e))
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:], strict=False):
        if b > a:
            out.append((text[a:b], [fid for s, e, fid in clean if s <= a and b <= e]))
    return out or [(text, [])]


def _time_label(turn: dict) -> str:
    if turn.get("ts"):
        return str(turn["ts"])[11:19] or str(turn["ts"])
    if turn.get("start") is not None:
        s = float(turn["start"])
        return f"{int(s // 60):02d}:{s % 60:05.2f}"
    return ""


def redacted_pieces(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[str, list[int]]]:
    """Like :func:`segments`, with personal data replaced by its tag ([PHONE] …) and highlights kept in place."""

    pii = find_pii(text)
    pieces = segments(text, spans + [(s, e, -1 - k) for k, (s, e, _) in enumerate(pii)])
    out = []
    shown: set[int] = set()
    for piece, ids in pieces:
        secret = [i for i in ids if i < 0]
        if secret:
            k = -1 - secret[0]
            piece = "" if k in shown else f"[{pii[k][2]}]"
            shown.add(k)
        out.append((piece, [i for i in ids if i >= 0]))
    return [p for p in out if p[0] or not p[1]]


def conversation_view(result: dict, conversation: dict | None, redact: bool = False) -> dict[str, Any]:
    """What the drill-down shows for one conversation."""
    findings = []
    for k, f in enumerate(result.get("findings") or ()):
        findings.append({**f, "fid": k})
    turns = []
    if conversation is not None:
        for i, t in enumerate(conversation.get("turns") or ()):
            text = str(t.get("text") or "")
            here = [f for f in findings if f.get("turn") == i]
            spans = [(f["span"][0], f["span"][1], f["fid"]) for f in here if f.get("span")]
            turns.append({"index": i, "role": t.get("role"), "speaker": t.get("speaker"), "time": _time_label(t),
                          "pieces": redacted_pieces(text, spans) if redact else segments(text, spans),
                          "flags": [f["fid"] for f in here if not f.get("span")]})
    return {"id": result["conversation_id"], "result": result, "findings": findings, "turns": turns,
            "complaint_types": complaint_types(result), "has_transcript": conversation is not None}


def _over_time_period(results: list[dict]) -> str:
    days = sorted({str(r.get("started_at"))[:10] for r in results if r.get("started_at")})
    if len(days) <= 31:
        return "day"
    return "week" if len(days) <= 200 else "month"


def build_context(results: Iterable[dict], conversations: dict[str, dict] | None = None,
                  policy: Policy | None = None, title: str = "qa report", redact: bool = False) -> dict[str, Any]:
    results = list(results)
    if redact:
        results = [redact_result(copy.deepcopy(r)) for r in results]
    conversations = conversations or {}
    policy = policy or Policy()
    by_agent = aggregate(results, by="agent", period="all", policy=policy).to_dict()
    by_team = aggregate(results, by="team", period="all", policy=policy).to_dict()
    over = _over_time_period(results)
    team_time = aggregate([r for r in results if r.get("started_at")], by="team", period=over, policy=policy)
    n = len(results)
    worst_first = sorted(results, key=lambda r: (bool(r.get("passed")), float(r.get("score") or 0),
                                                 str(r.get("conversation_id"))))
    views = [conversation_view(r, conversations.get(r["conversation_id"]), redact)
             for r in worst_first[:MAX_DRILLDOWN]]
    rubrics = sorted({f"{(r.get('rubric') or {}).get('id')} {(r.get('rubric') or {}).get('version')}"
                      for r in results})
    return {
        "title": title,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "rubrics": rubrics,
        "n": n,
        "passed": sum(bool(r.get("passed")) for r in results),
        "fatal": sum(bool(r.get("fatal")) for r in results),
        "mean": sum(float(r.get("score") or 0) for r in results) / n if n else None,
        "complaints": sum(bool(complaint_types(r)) for r in results),
        "agents": by_agent,
        "teams": by_team,
        "charts": {
            "distribution": charts.score_distribution(results),
            "over_time": charts.scores_over_time((row.group["team"], row.period, row.mean_score)
                                                 for row in team_time.rows),
            "rules": charts.findings_by_rule(results),
            "complaints": charts.complaints_by_agent([(r["agent"], r["complaints_by_type"])
                                                      for r in by_agent["rows"]]),
        },
        "over_time_period": over,
        "conversations": views,
        "truncated": max(0, n - len(views)),
        "with_transcripts": sum(v["has_transcript"] for v in views),
        "nonce": secrets.token_urlsafe(16),
    }


def render_report(results: Iterable[dict], conversations: dict[str, dict] | None = None,
                  policy: Policy | None = None, title: str = "qa report", redact: bool = False) -> str:
    """The report as one HTML string; ``redact`` replaces phone numbers, ID and card numbers and e-mails
    in transcripts, evidence, messages and metadata with tags (see :mod:`qa.results.redact`)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v, nd=1: "—" if v is None else f"{v:.{nd}f}"
    ctx = build_context(results, conversations, policy, title, redact)
    return env.get_template("report.html.j2").render(**ctx)


def load_transcripts(results: list[dict], paths: Iterable[str] = (), *, readers: Mapping[str, Reader]
                     ) -> dict[str, dict]:
    """Conversations (canonical dicts) for the results' ids, read from ``paths`` with ``readers`` — or,
    when no paths are given, from the files named in the results' ``source`` that still exist."""
    wanted = {r["conversation_id"] for r in results}
    paths = list(paths)
    if not paths:
        seen = []
        for r in results:
            src = str(r.get("source") or "")
            path = src.rsplit(":", 1)[0] if src.rsplit(":", 1)[-1].isdigit() else src
            if path and path not in seen and os.path.isfile(path):
                seen.append(path)
        paths = seen
    out: dict[str, dict] = {}
    if paths:
        for conv in read_conversations(paths, readers=readers):
            if conv.id in wanted:
                out[conv.id] = conv.to_dict()
    return out

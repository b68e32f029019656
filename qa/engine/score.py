"""Scoring conversations with a compiled rubric: the pure core of ``qa score``.

``score_conversation`` prepares a conversation (normalise, scan, index), runs every rule on it and
applies the ``unless`` exceptions; ``score_conversations`` streams. Results are plain dicts in the
documented output contract (docs/format.md, "Score results").
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable, Iterator
from typing import Any

from qa.engine.compile import CompiledRubric, CompiledRule, UnlessGroups
from qa.engine.prepared import PreparedConversation
from qa.engine.scoring import score_findings
from qa.model import Conversation, Finding, ResultDict, RuleOutcome
from qa.rules.checkers.base import NO_FINDINGS
from qa.rules.text.clauses import (
    asks_question,
    clause_is_question,
    clauses_before,
    content_chars,
    is_question_text,
)


def excepted(p: PreparedConversation, u: UnlessGroups, window: int, f_turn: int, start: int, end: int) -> bool:
    """True if an ``unless`` exception cancels a match at ``[start, end)`` of turn ``f_turn``."""
    if u.preceded_by is not None:
        lo = start - window
        for t, s, e in p.hits.get(u.preceded_by, ()):
            if t == f_turn and e <= start and s >= lo:
                return True
            if t == f_turn and s < start and e > start and e <= end:  # overlaps the start, e.g. 不知道您
                return True
    if u.followed_by is not None:
        hi = end + window
        for t, s, e in p.hits.get(u.followed_by, ()):
            if t == f_turn and s >= start and end < e <= hi:
                return True
    if u.same_sentence is not None:
        ss, se = p.sentence_bounds(f_turn, start, end)
        for t, s, e in p.hits.get(u.same_sentence, ()):
            if t == f_turn and s >= ss and e <= se:
                return True
    if u.same_turn is not None and p.turn_has(u.same_turn, f_turn):
        return True
    if u.next_turn is not None:
        role = p.conv.turns[f_turn].role
        nxt = next((j for j in p.role_idx.get(role, ()) if j > f_turn), None)
        if nxt is not None and p.turn_has(u.next_turn, nxt):
            return True
    if u.prev_turn is not None or u.answers_question:
        role = p.conv.turns[f_turn].role
        prv = next((j for j in range(f_turn - 1, -1, -1) if p.conv.turns[j].role != role), None)
        if prv is not None:
            if u.prev_turn is not None and p.turn_has(u.prev_turn, prv):
                return True
            if (u.answers_question and asks_question(p.texts[prv], u.language)
                    and (u.answers_question_about is None or p.turn_has(u.answers_question_about, prv))
                    and not (u.answers_question_unless is not None and p.turn_has(u.answers_question_unless, prv))):
                return True
    if u.question and clause_is_question(p.texts[f_turn], start, end, u.language):
        return True
    if u.follows_statement and _follows_statement(p, u, f_turn, start):
        return True
    for rx in u.regex:
        if rx.search(p.texts[f_turn]):
            return True
    return False


STATEMENT_CHARS = 2  # content characters an earlier clause needs to count as a statement


def _follows_statement(p: PreparedConversation, u: UnlessGroups, turn: int, start: int) -> bool:
    text = p.texts[turn]
    skip = [(s, e) for t, s, e in p.hits.get(u.follows_statement_skip, ()) if t == turn] \
        if u.follows_statement_skip is not None else []
    for cs, ce in clauses_before(text, start, u.language):
        if not is_question_text(text, cs, ce, u.language) and content_chars(text, cs, ce, skip) >= STATEMENT_CHARS:
            return True
    return False


def _apply_unless(p: PreparedConversation, cr: CompiledRule, outcome: RuleOutcome) -> None:
    """Drop the findings an ``unless`` exception cancels; strips every finding's private ``_norm_span``."""
    unless = cr.unless
    if unless is None:
        for f in outcome.findings:
            f.extra.pop("_norm_span", None)
        return
    if not outcome.findings:
        return
    window = cr.rule.unless.window
    kept = []
    for f in outcome.findings:
        norm_span = f.extra.pop("_norm_span", None)
        if f.turn is not None and norm_span is not None and excepted(p, unless, window, f.turn, *norm_span):
            continue
        kept.append(f)
    outcome.findings = kept


def _in_reply(p: PreparedConversation, cr: CompiledRule, f: Finding) -> bool:
    """``in_reply_to``: the nearest earlier turn of another role carries one of the rules' findings or phrases."""
    if f.turn is None:
        return False
    role = p.conv.turns[f.turn].role
    prv = next((j for j in range(f.turn - 1, -1, -1) if p.conv.turns[j].role != role), None)
    if prv is None:
        return False
    if cr.reply_phrases is not None and p.turn_has(cr.reply_phrases, prv):
        return True
    return any(x.turn == prv for x in p.findings_of(cr.reply_rules))


def _finding_order(f: Finding) -> tuple[int, int, str]:
    return f.turn if f.turn is not None else -1, f.span[0] if f.span else -1, f.rule


@functools.lru_cache(maxsize=256)
def _channel_reason(channels: tuple[str, ...], channel: str) -> str:
    return f"rule applies to {'/'.join(channels)} conversations, this is a {channel}"


def run_rules(p: PreparedConversation, compiled: CompiledRubric) -> tuple[list[Finding], dict[str, str], dict, dict, list]:
    """Run every compiled rule on a prepared conversation."""
    findings: list[Finding] = []
    not_applicable: dict[str, str] = {}
    metrics: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    errors: list[dict] = []
    channel = p.conv.channel
    for cr in compiled.rules:
        rule = cr.rule
        channels = rule.scope.channel
        if channels is not None and channel not in channels:
            if cr.report:
                not_applicable[rule.id] = _channel_reason(channels, channel)
            continue
        try:
            outcome = cr.checker.check(p)
        except Exception as exc:  # a broken checker must not take the run down
            errors.append({"rule": rule.id, "checker": rule.checker, "error": f"{type(exc).__name__}: {exc}",
                           "traceback": traceback.format_exc(limit=5)})
            not_applicable[rule.id] = f"checker error: {type(exc).__name__}: {exc}"
            continue
        if outcome is NO_FINDINGS:
            continue
        if outcome.applicable and outcome.findings:
            _apply_unless(p, cr, outcome)
            if cr.reply_rules or cr.reply_phrases is not None:
                outcome.findings = [f for f in outcome.findings if _in_reply(p, cr, f)]
            p.findings[rule.id] = outcome.findings
        if not cr.report:
            continue
        if not outcome.applicable:
            not_applicable[rule.id] = outcome.reason or "not applicable"
        else:
            findings.extend(outcome.findings)
        if outcome.metrics:
            metrics.update(outcome.metrics)
        if outcome.labels:
            for k, v in outcome.labels.items():
                if isinstance(v, list) and isinstance(labels.get(k), list):
                    labels[k].extend(v)
                else:
                    labels[k] = v
    findings.sort(key=_finding_order)
    return findings, not_applicable, metrics, labels, errors


def score_conversation(conv: Conversation, compiled: CompiledRubric) -> ResultDict:
    """Score one conversation; returns the result dict of the output contract."""
    return _score(conv, compiled)[0]


def _score(conv: Conversation, compiled: CompiledRubric):
    p = PreparedConversation(conv, compiled)
    findings, na, metrics, labels, errors = run_rules(p, compiled)
    rubric = compiled.rubric
    s = score_findings(rubric, findings, na.keys(), plan=compiled.plan)
    labels.setdefault("complaint_types", [])
    result: ResultDict = {
        "conversation_id": conv.id,
        "agent_id": conv.agent_id,
        "team": conv.team,
        "channel": conv.channel,
        "language": conv.language,
        "started_at": conv.started_at.isoformat() if conv.started_at else None,
        "turns": len(conv.turns),
        "rubric": rubric.ref(),
        "score": s.score,
        "max_score": s.max_score,
        "passed": s.passed,
        "fatal": s.fatal,
        "sections": s.sections,
        "findings": [f.to_dict() for f in findings],
        "not_applicable": sorted(na),
        "not_applicable_reasons": na,
        "labels": labels,
        "metrics": metrics,
    }
    agents = sorted({t.speaker for t in conv.turns if t.role == "agent" and t.speaker})
    if agents:
        result["agents"] = agents
    if conv.metadata:
        result["metadata"] = conv.metadata
    if conv.source is not None:
        result["source"] = str(conv.source)
    if errors:
        result["errors"] = errors
    return result, s, compiled


def explain_conversation(conv: Conversation, compiled: CompiledRubric) -> dict[str, Any]:
    """The result of one conversation laid out for a person (``qa explain``).

    Adds to the result: ``transcript`` (each turn with role, speaker, time, text and the indices of
    its findings), each finding's rule ``title`` and ``why``, and ``rules``: every active rule with its
    ``status`` (``failed`` with the points it deducted, ``observed`` for an info rule's findings,
    ``passed``, or ``not_applicable`` with the reason).
    """
    result, s, compiled = _score(conv, compiled)
    rules = {cr.rule.id: cr.rule for cr in compiled.rules if cr.report}
    by_turn: dict[int, list[int]] = {}
    counts: dict[str, int] = {}
    for k, f in enumerate(result["findings"]):
        rule = rules.get(f["rule"])
        f["title"] = rule.title if rule else f["rule"]
        f["why"] = rule.why if rule else ""
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
        if f["turn"] is not None:
            by_turn.setdefault(f["turn"], []).append(k)
    prepared = PreparedConversation(conv, compiled)
    transcript = []
    for i, t in enumerate(conv.turns):
        transcript.append({"turn": i, "role": t.role, "speaker": t.speaker, "time": prepared.turn_time(i),
                           "text": t.text, "findings": by_turn.get(i, [])})
    reasons = result["not_applicable_reasons"]
    rule_rows = []
    for rid, rule in rules.items():
        row = {"rule": rid, "title": rule.title, "severity": rule.severity, "why": rule.why}
        if rid in reasons:
            row.update(status="not_applicable", reason=reasons[rid])
        elif counts.get(rid):
            row.update(status="observed" if rule.severity == "info" else "failed", findings=counts[rid],
                       deducted=s.deductions.get(rid, 0.0))
        else:
            row.update(status="passed")
        rule_rows.append(row)
    result["transcript"] = transcript
    result["rules"] = rule_rows
    return result


def score_conversations(conversations: Iterable[Conversation], compiled: CompiledRubric) -> Iterator[ResultDict]:
    """Score a stream of conversations lazily (memory stays flat)."""
    for conv in conversations:
        yield score_conversation(conv, compiled)

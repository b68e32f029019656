"""Label against result, unit by unit: the judgements every ``qa eval`` figure is counted from.

A :class:`Case` is one labelled conversation with qa's result for it. :func:`judge` turns the cases into
:class:`Item` s — one per unit and figure, each with the reader's answer (``label``) and qa's
(``predicted``) as booleans — and :func:`metric_defs` says which figures a rubric can be measured on.

Units and what counts as positive (docs/eval.md has the table):

- ``banned.*``, ``rule:<banned rule>``, ``callbacks``: every **agent message** of a conversation whose
  record gives the field; positive = the message is labelled with the category (a rule is positive on the
  categories it implements) / predicted = a finding of the rule(s) on that message;
- ``courtesy.*``: the **conversation**; positive = ``missing`` / ``owed_missing`` (``na`` left out),
  predicted = any finding of the fact's rules;
- ``complaint.*``: the **conversation**; types from the labels vs the result's ``labels.complaint_types``
  mapped to the six label types;
- ``escalation``: the **conversation**; a labelled threat vs any finding of the escalation rules;
- ``verdict.pass`` (pass vs coach/fail) and ``verdict.fail`` (pass/coach vs fail): the **conversation**;
  predicted = qa did not pass it;
- ``reviewed:<rule>``: each per-rule label (``qa review export``); predicted = a finding of the rule on the
  labelled turn (anywhere in the conversation when the label has no turn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qa.errors import ConfigError
from qa.eval.labels import COMPLAINT_TYPES, LabelRecord
from qa.eval.targets import Resolved, Targets
from qa.model import Conversation

FAMILIES = {
    "banned": "banned phrasing (per agent message)",
    "courtesy": "courtesy facts (per conversation)",
    "complaints": "complaints (per conversation)",
    "escalation": "escalation threats (per conversation)",
    "callbacks": "call-back promises (per agent message)",
    "verdict": "overall verdict (per conversation)",
    "reviewed": "reviewed rule verdicts (per labelled finding)",
}


@dataclass(frozen=True)
class Case:
    """One labelled conversation with qa's result for it."""

    name: str
    record: LabelRecord
    conversation: Conversation
    result: dict


@dataclass(frozen=True)
class Item:
    """One judgement: on unit (``case``, ``turn``) the reader says ``label`` and qa says ``predicted``."""

    metric: str
    case: int
    turn: int | None
    label: bool
    predicted: bool

    @property
    def outcome(self) -> str:
        return ("tp" if self.predicted else "fn") if self.label else ("fp" if self.predicted else "tn")


@dataclass(frozen=True)
class Metric:
    """A figure ``qa eval`` reports: which family, what it compares, on which unit, through which rules."""

    id: str
    family: str
    title: str
    unit: str
    rules: tuple[str, ...] = ()
    #: the label values this figure reads (for --show): a banned category, a courtesy fact, a complaint type
    target: str | None = None
    #: for a rule row: the target row of a single-rule target it repeats (shown once in the table)
    same_as: str | None = None


def metric_defs(res: Resolved, reviewed: Iterable[str] = ()) -> list[Metric]:
    """The figures a rubric resolved to ``res`` can be measured on, in report order."""
    out: list[Metric] = []
    rule_family: dict[str, str] = {}

    def rule_rows(family: str, rules: Iterable[str], unit: str, single: dict[str, str],
                  target: str | None = None) -> None:
        for rule in rules:
            if rule in rule_family and rule_family[rule] != family:
                raise ConfigError(f"rule {rule!r} implements labels of two families ({rule_family[rule]} and "
                                  f"{family}); give each rule one", hint="see `qa eval --targets`")
            if rule not in rule_family:
                rule_family[rule] = family
                out.append(Metric(f"rule:{rule}", family, rule, unit, (rule,), target=target,
                                  same_as=single.get(rule)))

    if res.banned:
        unit = "agent message"
        out.append(Metric("banned.any", "banned", "banned (any)", unit, res.banned_rules))
        for cat, rules in res.banned.items():
            out.append(Metric(f"banned.{cat}", "banned", cat, unit, rules, target=cat))
            single = len(rules) == 1 and len(res.categories_of(rules[0])) == 1
            rule_rows("banned", rules, unit, {rules[0]: f"banned.{cat}"} if single else {})
    for fact, rules in res.courtesy.items():
        out.append(Metric(f"courtesy.{fact}", "courtesy", fact, "conversation", rules, target=fact))
        rule_rows("courtesy", rules, "conversation", {rules[0]: f"courtesy.{fact}"} if len(rules) == 1 else {},
                  target=fact)
    if res.complaints:
        out.append(Metric("complaint.any", "complaints", "complaint vs none", "conversation", res.complaints))
        for t in COMPLAINT_TYPES:
            out.append(Metric(f"complaint.{t}", "complaints", t, "conversation", res.complaints, target=t))
    if res.escalation:
        out.append(Metric("escalation", "escalation", "escalation threat", "conversation", res.escalation))
    if res.callbacks:
        out.append(Metric("callbacks", "callbacks", "call-back promise", "agent message", res.callbacks))
    out.append(Metric("verdict.pass", "verdict", "pass vs coach/fail", "conversation"))
    out.append(Metric("verdict.fail", "verdict", "pass/coach vs fail", "conversation"))
    for rule in dict.fromkeys(reviewed):
        out.append(Metric(f"reviewed:{rule}", "reviewed", rule, "labelled finding", (rule,)))
    return out


def predicted_types(result: dict, targets: Targets) -> set[str]:
    """The label types of a result's ``labels.complaint_types``."""
    return {targets.complaint_type(str(e.get("type"))) for e in (result.get("labels") or {}).get("complaint_types") or ()}


def fired_turns(result: dict) -> dict[str, set[int | None]]:
    """Per rule, the turns its findings are on (None for a conversation-level finding)."""
    out: dict[str, set[int | None]] = {}
    for f in result.get("findings") or ():
        out.setdefault(f["rule"], set()).add(f.get("turn"))
    return out


def judge(cases: list[Case], res: Resolved, targets: Targets) -> list[Item]:
    """Every judgement of every case (see the module docstring for units and positives)."""
    items: list[Item] = []
    add = items.append
    for k, case in enumerate(cases):
        rec, result = case.record, case.result
        fired = fired_turns(result)

        def at(rules, t, fired=fired):
            return any(t in fired.get(r, ()) for r in rules)

        def anywhere(rules, fired=fired):
            return any(r in fired for r in rules)

        agent_turns = [i for i, t in enumerate(case.conversation.turns) if t.role == "agent"]
        if res.banned and rec.has("banned"):
            all_rules = res.banned_rules
            cats_of = {r: res.categories_of(r) for r in all_rules}
            for t in agent_turns:
                cats = rec.banned.get(t, frozenset())
                add(Item("banned.any", k, t, bool(cats), at(all_rules, t)))
                for cat, rules in res.banned.items():
                    add(Item(f"banned.{cat}", k, t, cat in cats, at(rules, t)))
                for r in all_rules:
                    add(Item(f"rule:{r}", k, t, bool(cats & cats_of[r]), t in fired.get(r, ())))
        for fact, rules in res.courtesy.items():
            value = getattr(rec, fact) if rec.has(fact) else None
            if value is None or value == "na":
                continue
            label = value in ("missing", "owed_missing")
            add(Item(f"courtesy.{fact}", k, None, label, anywhere(rules)))
            for r in rules:
                add(Item(f"rule:{r}", k, None, label, r in fired))
        if res.complaints and rec.has("complaints"):
            pred = predicted_types(result, targets)
            add(Item("complaint.any", k, None, bool(rec.complaints), bool(pred)))
            for t in COMPLAINT_TYPES:
                add(Item(f"complaint.{t}", k, None, t in rec.complaints, t in pred))
        if res.escalation and rec.has("escalation"):
            add(Item("escalation", k, rec.escalation, rec.escalation is not None, anywhere(res.escalation)))
        if res.callbacks and rec.has("callbacks"):
            for t in agent_turns:
                add(Item("callbacks", k, t, t in rec.callbacks, at(res.callbacks, t)))
        if rec.has("verdict"):
            failed = not result.get("passed", True)
            add(Item("verdict.pass", k, None, rec.verdict != "pass", failed))
            add(Item("verdict.fail", k, None, rec.verdict == "fail", failed))
        for rl in rec.rules:
            pred = (rl.rule in fired) if rl.turn is None else (rl.turn in fired.get(rl.rule, ()))
            add(Item(f"reviewed:{rl.rule}", k, rl.turn, rl.violated, pred))
    return items


def unreviewed_findings(cases: list[Case]) -> dict[str, int]:
    """Per rule, findings on turns no per-rule label of that rule speaks about (in cases that have
    per-rule labels): what a reviewed sample cannot judge."""
    out: dict[str, int] = {}
    for case in cases:
        if not case.record.rules:
            continue
        judged = {(r.rule, r.turn) for r in case.record.rules}
        whole = {r.rule for r in case.record.rules if r.turn is None}
        for f in case.result.get("findings") or ():
            if f["rule"] not in whole and (f["rule"], f.get("turn")) not in judged:
                out[f["rule"]] = out.get(f["rule"], 0) + 1
    return out

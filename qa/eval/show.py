"""``qa eval --show fp|fn``: each disagreement with the turns around it, qa's evidence and the label.

A false positive (``fp``) is a unit qa flags and the reader does not; a false negative (``fn``) one the
reader labels and qa misses. Each is shown with the focus turn(s) and two neighbours on each side: the
labelled or flagged message, else the evidence of a conversation-level finding, else the labelled
complaint or escalation turn, else the first (greeting) or last (closing) agent messages, else the whole
conversation when short. Neighbours longer than 80 characters are cut; the focus turn is shown whole.
"""

from __future__ import annotations

from typing import Any

from qa.eval.evaluate import Evaluation
from qa.eval.judge import Case, Item, Metric

NEIGHBOURS = 2
WHOLE_UP_TO = 14
CONTEXT_CHARS = 80


def _findings(case: Case, metric: Metric, turn: int | None) -> list[dict]:
    rules = set(metric.rules)
    fs = [f for f in case.result.get("findings") or () if f["rule"] in rules]
    if turn is not None and metric.unit in ("agent message", "labelled finding"):
        fs = [f for f in fs if f.get("turn") == turn]
    return fs


def _complaint_evidence(case: Case, metric: Metric, ev: Evaluation) -> list[dict]:
    out = []
    for e in (case.result.get("labels") or {}).get("complaint_types") or ():
        t = ev.targets.complaint_type(str(e.get("type")))
        if metric.target is None or t == metric.target:
            words = [x for x in e.get("evidence") or () if x.get("turn") is not None]
            out.append({"type": e.get("type"), "as": t, "confidence": e.get("confidence"),
                        "turn": words[0]["turn"] if words else None,
                        "evidence": list(dict.fromkeys(x.get("text", "") for x in words))[:4]})
    return out


def _label_text(item: Item, metric: Metric, case: Case) -> str:
    rec = case.record
    if metric.family in ("banned", "callbacks"):
        if metric.family == "callbacks":
            return "labelled a call-back promise" if item.label else "not labelled a call-back"
        cats = sorted(rec.banned.get(item.turn, ()))
        return f"labelled {', '.join(cats)}" if cats else "labelled clean"
    if metric.family == "courtesy":
        return f"{metric.target}: {getattr(rec, metric.target)}"
    if metric.family == "complaints":
        if not rec.complaints:
            return "labelled: no complaint"
        return "labelled: " + ", ".join(f"{t} (turn {n})" if n is not None else t for t, n in rec.complaints.items())
    if metric.family == "escalation":
        return f"escalation at turn {rec.escalation}" if rec.escalation is not None else "labelled: no escalation"
    if metric.family == "verdict":
        return f"reader's verdict: {rec.verdict}"
    if metric.family == "reviewed":
        rl = next((r for r in rec.rules if r.rule == metric.rules[0] and r.turn == item.turn), None)
        verdict = "violated" if item.label else "not violated"
        return f"reviewed {verdict}" + (f": {rl.note}" if rl and rl.note else "")
    return ""


def _trigger(f: dict) -> dict:
    """What made a missing courtesy owed (the finding's ``extra.trigger_*``), for the disagreement."""
    extra = f.get("extra") or {}
    if extra.get("trigger_turn") is None:
        return {}
    return {"trigger": {"turn": extra["trigger_turn"], "evidence": extra.get("trigger_evidence"),
                        "rule": extra.get("trigger_rule")}}


def _focus(item: Item, metric: Metric, case: Case, findings: list[dict], complaints: list[dict]) -> list[int]:
    if item.turn is not None:
        return [item.turn]
    turns = [f["turn"] for f in findings if f.get("turn") is not None]
    turns += [(f.get("extra") or {}).get("trigger_turn") for f in findings
              if (f.get("extra") or {}).get("trigger_turn") is not None]
    turns += [c["turn"] for c in complaints if c["turn"] is not None]
    rec = case.record
    if metric.family == "complaints":
        turns += [t for k, t in rec.complaints.items() if t is not None and (metric.target in (None, k))]
    if turns:
        return sorted(set(turns))[:3]
    agent = [i for i, t in enumerate(case.conversation.turns) if t.role == "agent"]
    if metric.target == "greeting":
        return agent[:2]
    if metric.target == "closing":
        return agent[-2:]
    return []


def _context(case: Case, focus: list[int]) -> list[dict]:
    turns = case.conversation.turns
    if focus:
        keep = sorted({j for i in focus for j in range(i - NEIGHBOURS, i + NEIGHBOURS + 1) if 0 <= j < len(turns)})
    elif len(turns) <= WHOLE_UP_TO:
        keep = list(range(len(turns)))
    else:
        keep = list(range(4)) + list(range(len(turns) - 4, len(turns)))
    return [{"turn": i, "role": turns[i].role, "text": turns[i].text, "focus": i in focus} for i in keep]


def disagreements(ev: Evaluation, kind: str, metric_ids: list[str]) -> list[dict[str, Any]]:
    """Every ``fp`` or ``fn`` item of the given figures, in context, in case then turn order."""
    wanted = set(metric_ids)
    out = []
    for item in ev.items:
        if item.metric not in wanted or item.outcome != kind:
            continue
        metric = ev.metric(item.metric)
        case = ev.cases[item.case]
        findings = _findings(case, metric, item.turn)
        complaints = _complaint_evidence(case, metric, ev) if metric.family == "complaints" else []
        focus = _focus(item, metric, case, findings, complaints)
        d = {"kind": kind, "metric": item.metric, "conversation": case.name, "turn": item.turn,
             "label": _label_text(item, metric, case), "note": case.record.note,
             "findings": [{"rule": f["rule"], "turn": f.get("turn"), "evidence": f.get("evidence"),
                           "message": f.get("message"), **_trigger(f)} for f in findings],
             "context": _context(case, focus)}
        if complaints:
            d["complaints"] = complaints
        if metric.family == "verdict":
            d["qa"] = {"score": case.result.get("score"), "passed": case.result.get("passed")}
        out.append(d)
    out.sort(key=lambda d: (d["conversation"], -1 if d["turn"] is None else d["turn"], d["metric"]))
    return out


def default_show_metrics(ev: Evaluation) -> list[str]:
    """The figures ``--show`` reads when no ``--rule`` narrows it: each label once (banned categories,
    courtesy facts, complaint types, escalation, call-backs, the fail verdict, reviewed rules)."""
    return [m.id for m in ev.metrics
            if not m.id.startswith("rule:") and m.id not in ("banned.any", "complaint.any", "verdict.pass")]


def render(ds: list[dict[str, Any]], console) -> None:
    from rich.markup import escape

    role_mark = {"agent": "A", "customer": "C", "system": "S", "bot": "B"}
    for d in ds:
        where = f"turn {d['turn']}" if d["turn"] is not None else "conversation"
        console.print(f"[bold]{d['kind'].upper()}[/bold] {escape(d['metric'])}  {escape(d['conversation'])}  {where}")
        for c in d["context"]:
            mark = "▶" if c["focus"] else " "
            style = "bold" if c["focus"] else "dim"
            text = c["text"] if c["focus"] or len(c["text"]) <= CONTEXT_CHARS else c["text"][:CONTEXT_CHARS] + "…"
            console.print(f"  {mark} {c['turn']:>3} {role_mark.get(c['role'], '?')}  [{style}]{escape(text)}[/]",
                          highlight=False, soft_wrap=True)
        for f in d["findings"]:
            ev = f" «{escape(f['evidence'])}»" if f.get("evidence") else ""
            t = f"turn {f['turn']}" if f.get("turn") is not None else "conversation"
            trig = f.get("trigger")
            why = (f" — owed after turn {trig['turn']}" + (f" «{escape(trig['evidence'])}»" if trig.get("evidence") else "")
                   + (f" ({escape(trig['rule'])})" if trig.get("rule") else "")) if trig else ""
            console.print(f"    qa: {escape(f['rule'])} ({t}){ev} {escape(f.get('message') or '')}{why}", highlight=False)
        for c in d.get("complaints", ()):
            console.print(f"    qa: complaint {escape(str(c['type']))} → {c['as']} (confidence {c['confidence']}) "
                          f"«{escape(', '.join(c['evidence']))}»", highlight=False)
        if "qa" in d:
            console.print(f"    qa: score {d['qa']['score']} ({'pass' if d['qa']['passed'] else 'fail'})")
        if not d["findings"] and not d.get("complaints") and "qa" not in d:
            console.print("    qa: nothing")
        console.print(f"    reader: {escape(d['label'])}" + (f" — {escape(d['note'])}" if d.get("note") else ""),
                      highlight=False)
        console.print()
    console.print(f"{len(ds)} disagreement(s)")

"""``qa eval agree``: how far two readers' independent label passes agree, field by field.

Both passes are paired by conversation (corpus and id). Each field is compared on its own unit:

| field | unit | value compared |
|---|---|---|
| ``complaint`` | conversation | any complaint vs none |
| ``complaint.<type>`` | conversation | the type listed or not |
| ``greeting``, ``closing`` | conversation | given / missing / na |
| ``apology.owed``, ``hold.owed`` | conversation | owed (given or missing) vs not owed |
| ``apology.given``, ``hold.given`` | conversation both readers call owed | given vs missing |
| ``escalation`` | conversation | a threat vs none |
| ``callbacks`` | agent message | a call-back promise or not |
| ``banned.<category>``, ``banned.any`` | agent message | the category (any category) or not |
| ``verdict`` | conversation | pass / coach / fail |

A field is compared only where both records give it. Message-level fields need the conversations (how
many agent messages there are), so the caller passes each conversation's agent turn indexes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qa.eval.labels import BANNED_CATEGORIES, COMPLAINT_TYPES, LabelRecord
from qa.eval.metrics import agreement, cohen_kappa


@dataclass(frozen=True)
class Unit:
    field: str
    corpus: str | None
    id: str
    turn: int | None
    a: Any
    b: Any


def _owed(v: str) -> bool:
    return v != "not_owed"


def _conversation_fields() -> list[tuple[str, str, Callable[[LabelRecord], Any], Callable | None]]:
    """(field, record key it needs, value of a record, filter over both values or None)."""
    fields: list = [("complaint", "complaints", lambda r: bool(r.complaints), None)]
    for t in COMPLAINT_TYPES:
        fields.append((f"complaint.{t}", "complaints", lambda r, t=t: t in r.complaints, None))
    fields += [
        ("greeting", "greeting", lambda r: r.greeting, None),
        ("closing", "closing", lambda r: r.closing, None),
        ("apology.owed", "apology", lambda r: _owed(r.apology), None),
        ("apology.given", "apology", lambda r: r.apology == "owed_given",
         lambda a, b: _owed(a.apology) and _owed(b.apology)),
        ("hold.owed", "hold", lambda r: _owed(r.hold), None),
        ("hold.given", "hold", lambda r: r.hold == "owed_given", lambda a, b: _owed(a.hold) and _owed(b.hold)),
        ("escalation", "escalation", lambda r: r.escalation is not None, None),
        ("verdict", "verdict", lambda r: r.verdict, None),
    ]
    return fields


FIELD_ORDER = [f for f, *_ in _conversation_fields()] + ["callbacks", "banned.any"] + \
    [f"banned.{c}" for c in BANNED_CATEGORIES]


def units(a: LabelRecord, b: LabelRecord, agent_turns: Iterable[int]) -> list[Unit]:
    """Every compared unit of one conversation labelled by both readers."""
    out = []
    for name, key, value, only_if in _conversation_fields():
        if a.has(key) and b.has(key) and (only_if is None or only_if(a, b)):
            out.append(Unit(name, a.corpus, a.id, None, value(a), value(b)))
    agent_turns = list(agent_turns)
    if a.has("callbacks") and b.has("callbacks"):
        out += [Unit("callbacks", a.corpus, a.id, t, t in a.callbacks, t in b.callbacks) for t in agent_turns]
    if a.has("banned") and b.has("banned"):
        for t in agent_turns:
            ca, cb = a.banned.get(t, frozenset()), b.banned.get(t, frozenset())
            out.append(Unit("banned.any", a.corpus, a.id, t, bool(ca), bool(cb)))
            out += [Unit(f"banned.{c}", a.corpus, a.id, t, c in ca, c in cb) for c in BANNED_CATEGORIES]
    return out


def field_table(all_units: list[Unit]) -> list[dict[str, Any]]:
    """Per field: items, agreement, Cohen's kappa, and how often each reader said yes (a yes/no field) or
    gave each value (greeting, closing, verdict)."""
    by: dict[str, list[Unit]] = {}
    for u in all_units:
        by.setdefault(u.field, []).append(u)
    rows = []
    for name in FIELD_ORDER:
        us = by.get(name)
        if not us:
            continue
        pairs = [(u.a, u.b) for u in us]
        k = cohen_kappa(pairs)
        ag = agreement(pairs)
        row = {"field": name, "unit": "agent message" if any(u.turn is not None for u in us) else "conversation",
               "n": len(us), "agreement": round(ag, 4), "kappa": None if k is None else round(k, 4),
               "disagreements": sum(1 for u in us if u.a != u.b)}
        if all(isinstance(u.a, bool) and isinstance(u.b, bool) for u in us):
            row["a_yes"], row["b_yes"] = sum(u.a for u in us), sum(u.b for u in us)
        else:
            row["a_values"] = dict(sorted(Counter(u.a for u in us).items()))
            row["b_values"] = dict(sorted(Counter(u.b for u in us).items()))
        rows.append(row)
    return rows


def disagreement_record(u: Unit, a: LabelRecord, b: LabelRecord) -> dict[str, Any]:
    """What an adjudicator reads for one disagreement: the field, the unit, both values and notes."""
    d: dict[str, Any] = {"corpus": u.corpus, "id": u.id, "field": u.field}
    if u.turn is not None:
        d["turn"] = u.turn
        if u.field.startswith("banned."):
            d["a_categories"] = sorted(a.banned.get(u.turn, ()))
            d["b_categories"] = sorted(b.banned.get(u.turn, ()))
    d["a"], d["b"] = u.a, u.b
    if u.field.startswith(("apology", "hold")):
        key = u.field.split(".")[0]
        d["a_value"], d["b_value"] = getattr(a, key), getattr(b, key)
    elif u.field == "escalation":
        d["a_turn"], d["b_turn"] = a.escalation, b.escalation
    elif u.field.startswith("complaint"):
        d["a_complaints"], d["b_complaints"] = dict(a.complaints), dict(b.complaints)
    if a.note or b.note:
        d["a_note"], d["b_note"] = a.note, b.note
    return d


def compare_passes(a_records: list[LabelRecord], b_records: list[LabelRecord],
                   agent_turns: Callable[[LabelRecord], list[int]]) -> dict[str, Any]:
    """Agreement between two passes: per-field table, disagreement records, and the counts of
    conversations in both, only in A, only in B."""
    bmap = {r.key: r for r in b_records}
    amap = {r.key: r for r in a_records}
    both = [(a, bmap[a.key]) for a in a_records if a.key in bmap]
    all_units: list[Unit] = []
    dis: list[dict[str, Any]] = []
    for a, b in both:
        us = units(a, b, agent_turns(a))
        all_units += us
        dis += [disagreement_record(u, a, b) for u in us if u.a != u.b]
    return {"conversations": len(both), "only_in_a": sorted(f"{k[0]}/{k[1]}" if k[0] else k[1]
                                                             for k in amap.keys() - bmap.keys()),
            "only_in_b": sorted(f"{k[0]}/{k[1]}" if k[0] else k[1] for k in bmap.keys() - amap.keys()),
            "fields": field_table(all_units), "disagreements": dis}

"""Label records: what a human reader says about a conversation (docs/labelling.md, docs/eval.md).

One JSON object per line. The fields of docs/labelling.md ("What a reader does"), each optional — a field
left out is *not labelled* and leaves the figures that need it; a field given is judged in full (``banned:
[]`` says every agent message is clean)::

    {"corpus": "jddc", "id": "…", "complaints": [{"type": "logistics_delay", "turn": 2}],
     "greeting": "given", "closing": "missing", "apology": "owed_missing", "hold": "not_owed",
     "escalation": null, "callbacks": [7], "banned": [{"turn": 5, "categories": ["refusal"]}],
     "verdict": "coach", "note": ""}

and per-rule verdicts, as ``qa review export`` writes them from a QA lead's reviews::

    {"id": "c-0001", "rules": [{"rule": "ban.refusal", "turn": 3, "violated": false, "note": "…"}]}

:func:`read_labels` checks the shape and every value (unknown keys, enum values, types, duplicates) and
:func:`check_turns` checks the turns against the conversation as qa reads it; both raise
:class:`~qa.errors.InputError` naming the file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from qa.errors import InputError, did_you_mean
from qa.eval.files import jsonl_objects

COMPLAINT_TYPES = ("logistics_delay", "fees", "service_attitude", "product_quality", "refund_return", "other")
BANNED_CATEGORIES = ("refusal", "dont_know", "brush_off", "blame", "filler", "over_promise", "argue", "abuse",
                     "vague", "why", "pressure")
PRESENCE = ("given", "missing", "na")
OWED = ("not_owed", "owed_given", "owed_missing")
VERDICTS = ("pass", "coach", "fail")

FIELDS = ("corpus", "id", "reader", "complaints", "greeting", "closing", "apology", "hold", "escalation",
          "callbacks", "banned", "verdict", "note", "rules")
RULE_KEYS = ("rule", "turn", "violated", "note", "finding")


@dataclass(frozen=True)
class RuleLabel:
    """A reader's verdict on one rule in a conversation: at a turn, or (``turn`` None) anywhere in it."""

    rule: str
    turn: int | None
    violated: bool
    note: str = ""


@dataclass
class LabelRecord:
    """One conversation's labels. ``present`` holds the fields the record gives (see :meth:`has`)."""

    id: str
    corpus: str | None = None
    path: str = "<labels>"
    line: int = 0
    present: frozenset[str] = frozenset()
    reader: str | None = None
    complaints: dict[str, int | None] = field(default_factory=dict)
    greeting: str | None = None
    closing: str | None = None
    apology: str | None = None
    hold: str | None = None
    escalation: int | None = None
    callbacks: frozenset[int] = frozenset()
    banned: dict[int, frozenset[str]] = field(default_factory=dict)
    verdict: str | None = None
    note: str = ""
    rules: tuple[RuleLabel, ...] = ()

    def has(self, name: str) -> bool:
        """True when the record labels ``name`` (for ``escalation``, null counts: "no threat")."""
        return name in self.present

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.corpus, self.id)

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _err(rec_path: str, line: int, fld: str, msg: str, hint: str | None = None) -> InputError:
    return InputError(msg, path=rec_path, line=line, field=fld, hint=hint)


def _enum(value, choices: tuple[str, ...], path: str, line: int, fld: str) -> str:
    if value not in choices:
        raise _err(path, line, fld, f"unknown value {value!r}; one of: {', '.join(choices)}",
                   did_you_mean(str(value), choices))
    return value


def _turn(value, path: str, line: int, fld: str, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _err(path, line, fld, f"a turn is a 0-based message index (an integer ≥ 0), got {value!r}")
    return value


def _list(value, path: str, line: int, fld: str) -> list:
    if not isinstance(value, list):
        raise _err(path, line, fld, f"expected a list, got {type(value).__name__}")
    return value


def _obj(value, keys: tuple[str, ...], path: str, line: int, fld: str) -> dict:
    if not isinstance(value, dict):
        raise _err(path, line, fld, f"expected an object, got {type(value).__name__}")
    for k in value:
        if k not in keys:
            raise _err(path, line, f"{fld}.{k}", f"unknown key {k!r}", did_you_mean(str(k), keys))
    return value


def _text(value, path: str, line: int, fld: str) -> str:
    if not isinstance(value, str):
        raise _err(path, line, fld, f"expected a string, got {value!r}")
    return value


def parse_record(data, path: str = "<labels>", line: int = 0) -> LabelRecord:
    """A label record from its parsed JSON, every value checked."""
    data = _obj(data, FIELDS, path, line, "record")
    if "id" not in data:
        raise _err(path, line, "id", "missing 'id' (the conversation's id)")
    cid = data["id"]
    if isinstance(cid, int) and not isinstance(cid, bool):
        cid = str(cid)
    cid = _text(cid, path, line, "id")
    rec = LabelRecord(id=cid, path=path, line=line, present=frozenset(data))
    if "corpus" in data:
        rec.corpus = _text(data["corpus"], path, line, "corpus")
    if "reader" in data:
        rec.reader = _text(data["reader"], path, line, "reader")
    if "note" in data:
        rec.note = _text(data["note"] or "", path, line, "note")
    for name, choices in (("greeting", PRESENCE), ("closing", PRESENCE), ("apology", OWED), ("hold", OWED),
                          ("verdict", VERDICTS)):
        if name in data:
            setattr(rec, name, _enum(data[name], choices, path, line, name))
    if "complaints" in data:
        for i, c in enumerate(_list(data["complaints"], path, line, "complaints")):
            where = f"complaints[{i}]"
            c = _obj(c, ("type", "turn"), path, line, where)
            if "type" not in c:
                raise _err(path, line, f"{where}.type", "missing 'type'")
            t = _enum(c["type"], COMPLAINT_TYPES, path, line, f"{where}.type")
            if t in rec.complaints:
                raise _err(path, line, f"{where}.type", f"type {t!r} is listed twice (one entry per type)")
            rec.complaints[t] = _turn(c.get("turn"), path, line, f"{where}.turn", nullable=True)
    if "escalation" in data:
        rec.escalation = _turn(data["escalation"], path, line, "escalation", nullable=True)
    if "callbacks" in data:
        turns = [_turn(t, path, line, f"callbacks[{i}]")
                 for i, t in enumerate(_list(data["callbacks"], path, line, "callbacks"))]
        rec.callbacks = frozenset(turns)
    if "banned" in data:
        for i, b in enumerate(_list(data["banned"], path, line, "banned")):
            where = f"banned[{i}]"
            b = _obj(b, ("turn", "categories"), path, line, where)
            t = _turn(b.get("turn"), path, line, f"{where}.turn")
            if t in rec.banned:
                raise _err(path, line, f"{where}.turn", f"turn {t} is listed twice; list all its categories in one entry")
            cats = _list(b.get("categories"), path, line, f"{where}.categories")
            if not cats:
                raise _err(path, line, f"{where}.categories", "no category; a clean message is simply not listed")
            rec.banned[t] = frozenset(_enum(c, BANNED_CATEGORIES, path, line, f"{where}.categories[{j}]")
                                      for j, c in enumerate(cats))
    if "rules" in data:
        out = []
        for i, r in enumerate(_list(data["rules"], path, line, "rules")):
            where = f"rules[{i}]"
            r = _obj(r, RULE_KEYS, path, line, where)
            if not isinstance(r.get("rule"), str) or not r["rule"]:
                raise _err(path, line, f"{where}.rule", "missing 'rule' (a rule id)")
            if not isinstance(r.get("violated"), bool):
                raise _err(path, line, f"{where}.violated", f"expected true or false, got {r.get('violated')!r}")
            out.append(RuleLabel(r["rule"], _turn(r.get("turn"), path, line, f"{where}.turn", nullable=True),
                                 r["violated"], _text(r.get("note") or "", path, line, f"{where}.note")))
        rec.rules = tuple(out)
    return rec


def read_labels(path: str) -> list[LabelRecord]:
    """Every record of a labels file (JSONL; blank lines skipped), in file order.

    A conversation labelled twice (same corpus and id) is an error at the second record.
    """
    out: list[LabelRecord] = []
    seen: dict[tuple, int] = {}
    for lineno, data in jsonl_objects(path, "labels file"):
        rec = parse_record(data, path, lineno)
        if rec.key in seen:
            raise InputError(f"conversation {rec.id!r} is labelled twice (first on line {seen[rec.key]})",
                             path=path, line=lineno, field="id")
        seen[rec.key] = lineno
        out.append(rec)
    return out


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def check_turns(rec: LabelRecord, roles: list[str]) -> None:
    """Check every turn of ``rec`` against the conversation's turn roles (``roles[i]`` of turn ``i``):
    in range, and on the side the field is about (complaints and escalation on customer messages, banned
    phrasing and callbacks on agent messages)."""
    n = len(roles)

    def need(turn: int | None, fld: str, role: str | None) -> None:
        if turn is None:
            return
        if turn >= n:
            raise _err(rec.path, rec.line, fld, f"turn {turn} is out of range: conversation {rec.id!r} has {n} "
                       f"turn(s), numbered 0–{n - 1} as qa reads them")
        if role is not None and roles[turn] != role:
            raise _err(rec.path, rec.line, fld, f"turn {turn} of {rec.id!r} is {_a(roles[turn])} message, not "
                       f"{_a(role)} message")

    for i, (_, t) in enumerate(rec.complaints.items()):
        need(t, f"complaints[{i}].turn", "customer")
    need(rec.escalation, "escalation", "customer")
    for t in sorted(rec.callbacks):
        need(t, "callbacks", "agent")
    for i, t in enumerate(rec.banned):
        need(t, f"banned[{i}].turn", "agent")
    for i, r in enumerate(rec.rules):
        need(r.turn, f"rules[{i}].turn", None)


def check_rules(records: Iterable[LabelRecord], known: set[str], rubric_id: str) -> None:
    """Every per-rule label names a rule of the rubric."""
    for rec in records:
        for i, r in enumerate(rec.rules):
            if r.rule not in known:
                raise _err(rec.path, rec.line, f"rules[{i}].rule", f"rule {r.rule!r} is not in rubric {rubric_id!r}",
                           did_you_mean(r.rule, known))

"""``required``: courtesy that must appear — greetings, closings, apologies, hold phrases.

Without a ``trigger`` the requirement is checked once over the rule's scoped turns (e.g. the first 2
agent turns must contain a greeting). With a ``trigger`` it is checked after each turn matching the
trigger (e.g. each customer complaint must be followed by an apology within the next 2 agent
turns); a conversation where the trigger never fires makes the rule not applicable.

Requirement forms: ``phrases`` (any of them), or ``all_of`` (a list of phrase lists, each must
appear) with ``min_groups`` (at least N of those lists). Phrases of different lists may sit in
different turns of the window.

``scope.within_s`` adds a time limit where times exist (a turn without a time stays in scope): a
greeting said only after the limit is reported at the turn where it finally came, with its time.
Trigger keys: ``phrases`` (any of), ``findings`` (rules whose findings fire it: ids or ``tag:NAME``; the
engine runs those rules first), ``role`` (whose turn fires it), ``unless`` (phrases in the same turn that
cancel it, e.g. a customer's 不是投诉). Consecutive trigger turns answered by one window are reported once.

A missing requirement after a trigger is reported on the first turn in scope after the trigger (the reply that
should have carried it), or on the trigger turn when it is itself in scope or nothing follows; the finding's
``extra`` names the trigger: ``trigger_turn``, ``trigger_evidence`` and, for a finding trigger,
``trigger_rule``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from qa.errors import RubricError, did_you_mean
from qa.model import ROLES
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.rubric.dependencies import select_rules

TRIGGER_KEYS = ("phrases", "findings", "role", "unless")


class RequiredChecker(Checker):
    name = "required"
    description = "Requires phrases in the scoped turns, optionally after/around a trigger."
    options = {
        "phrases": Option(list, item=str, phrases=True, doc="the requirement: any of these phrases"),
        "all_of": Option(list, item=list, phrases=True, doc="the requirement: each of these phrase lists must match"),
        "min_groups": Option(int, default=0, doc="with all_of: at least this many lists must match (0 = all)"),
        "trigger": Option(dict, phrases=("phrases", "unless"),
                          doc="{phrases: [...], findings: [rule ids, tag:NAME], role: customer|agent, unless: [...]}: "
                              "when to require"),
        "window": Option(int, default=2, doc="with a trigger: how many scoped turns to look in"),
        "direction": Option(str, default="after", choices=("after", "before", "around"),
                            doc="with a trigger: look after, before or around the trigger turn"),
        "triggers": Option(str, default="each", choices=("each", "first"),
                           doc="with a trigger: check after each trigger, or only after the first (owed once per "
                               "conversation)"),
        "include_trigger_turn": Option(bool, default=True,
                                       doc="with a trigger: the trigger turn itself may satisfy the requirement"),
        "missing_message": Option(str, doc="message for a missing requirement"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        phrases = self.opt("phrases")
        all_of = self.opt("all_of")
        self.groups = []
        if phrases:
            self.groups.append(ctx.add_phrases(phrases))
        for lst in all_of or []:
            self.groups.append(ctx.add_phrases([str(x) for x in lst]))
        self.need = 1 if phrases else (self.opt("min_groups") or len(self.groups))
        self.window = self.opt("window")
        self.direction = self.opt("direction")
        self.include_self = self.opt("include_trigger_turn")
        self.first_only = self.opt("triggers") == "first"
        self.never_triggered = self.not_applicable("the trigger never occurred")  # returned as is, never changed
        trig = self.opt("trigger")
        self.triggered = bool(trig)
        self.trigger_group = None
        self.trigger_unless = None
        self.trigger_roles = None
        self.trigger_rules: tuple[str, ...] = ()
        if trig:
            if trig.get("phrases"):
                self.trigger_group = ctx.add_phrases(trig["phrases"])
            self.trigger_rules = tuple(dict.fromkeys(
                rid for sel in trig.get("findings") or () for rid in select_rules(sel, ctx.rubric.rules)
                if not (sel.startswith("tag:") and rid == rule.id)))
            if trig.get("unless"):
                self.trigger_unless = ctx.add_phrases(trig["unless"])
            role = trig.get("role")
            self.trigger_roles = (role,) if isinstance(role, str) else tuple(role) if role else None

    @classmethod
    def validate_rule(cls, rule, path):
        o = rule.options
        if bool(o.get("phrases")) == bool(o.get("all_of")):
            raise RubricError(f"rule {rule.id!r}: give either 'phrases' or 'all_of'", path=path, line=rule.line,
                              hint="phrases: any one of them; all_of: a list of phrase lists, each must appear")
        for j, group in enumerate(o.get("all_of") or []):
            if not group or not all(isinstance(x, str) and x for x in group):
                raise RubricError(f"rule {rule.id!r}: all_of[{j}] must be a non-empty list of phrases", path=path,
                                  line=rule.line_of(f"all_of[{j}]"), field=rule.key_path(f"all_of[{j}]"))
        n = o.get("min_groups") or 0
        if n and (not o.get("all_of") or n > len(o["all_of"])):
            raise RubricError(f"rule {rule.id!r}: min_groups {n} needs all_of with at least {n} lists", path=path,
                              line=rule.line_of("min_groups"), field=rule.key_path("min_groups"))
        if o.get("window") is not None and o["window"] < 1:
            raise RubricError(f"rule {rule.id!r}: window must be at least 1 turn", path=path,
                              line=rule.line_of("window"), field=rule.key_path("window"))
        trig = o.get("trigger")
        if trig is not None:
            extra = set(trig) - set(TRIGGER_KEYS)
            if extra:
                raise RubricError(f"rule {rule.id!r}: unknown trigger key {sorted(extra)[0]!r}", path=path,
                                  line=rule.line_of("trigger"), field=rule.key_path("trigger"),
                                  hint=did_you_mean(sorted(extra)[0], TRIGGER_KEYS)
                                  or f"trigger keys: {', '.join(TRIGGER_KEYS)}")
            line = rule.line_of("trigger")
            if not trig.get("phrases") and not trig.get("findings"):
                raise RubricError(f"rule {rule.id!r}: a trigger needs phrases, findings or both", path=path,
                                  line=line, field=rule.key_path("trigger"),
                                  hint="findings: [complaint.types] fires on another rule's findings")
            for key in ("phrases", "unless", "findings"):
                value = trig.get(key)
                if value is None:
                    continue
                if isinstance(value, str):
                    trig[key] = value = [value]
                what = "rule ids or tag:NAME" if key == "findings" else "phrases"
                if not isinstance(value, list) or not value or not all(isinstance(x, str) and x for x in value):
                    raise RubricError(f"rule {rule.id!r}: trigger {key} must be a non-empty list of {what}, got "
                                      f"{value!r}", path=path, line=line, field=rule.key_path(f"trigger.{key}"))
            role = trig.get("role")
            roles = [role] if isinstance(role, str) else role if isinstance(role, list) else None
            if role is not None and roles is None:
                raise RubricError(f"rule {rule.id!r}: trigger role must be a role or a list of roles, got {role!r}",
                                  path=path, line=line, field=rule.key_path("trigger.role"))
            for r in roles or []:
                if r not in ROLES:
                    raise RubricError(f"rule {rule.id!r}: unknown trigger role {r!r}", path=path, line=line,
                                      field=rule.key_path("trigger.role"),
                                      hint=did_you_mean(str(r), ROLES) or f"roles: {', '.join(ROLES)}")

    def _satisfied(self, conv, turns) -> bool:
        """At least ``need`` requirement groups have a hit in ``turns`` (a set)."""
        got = 0
        hits = conv.hits
        for g in self.groups:
            found = hits.get(g)
            if found and any(h[0] in turns for h in found):
                got += 1
                if got >= self.need:
                    return True
        return False

    def _missing_finding(self, conv, scoped: list[int]):
        limit = self.rule.scope.within_s
        if limit is not None:
            untimed = conv.turns_in_scope(self.rule, timed=False)
            late = self._first_satisfying(conv, untimed)
            if late is not None:
                t = conv.turn_time(late)
                return self.finding(conv, late, None, self._missing(
                    f"required phrase came at {t:g} s (turn {late + 1}), after the {limit:g} s limit"))
        where = f"the first {self.rule.scope.first} " if self.rule.scope.first else \
            f"the last {self.rule.scope.last} " if self.rule.scope.last else ""
        role = "/".join(self.rule.scope.role) + " " if self.rule.scope.role else ""
        return self.finding(conv, scoped[0], None, self._missing(
            f"required phrase not found in {where}{role}turn(s)".replace("  ", " ")))

    def _first_satisfying(self, conv, turns: list[int]) -> int | None:
        """The earliest turn by which the requirement is met (cumulatively), or None."""
        for k in range(len(turns)):
            if self._satisfied(conv, set(turns[: k + 1])):
                return turns[k]
        return None

    def _missing(self, default: str) -> str:
        return self.opt("missing_message") or f"{self.rule.title}: {default}"

    @classmethod
    def dependencies(cls, rule) -> tuple[str, ...]:
        trig = rule.options.get("trigger") or {}
        return tuple(trig.get("findings") or ())

    def check(self, conv):
        if self.triggered:
            return self._check_triggered(conv)
        scoped = conv.turns_in_scope(self.rule)
        if not scoped:
            roles = "/".join(self.rule.scope.role or ("any",))
            return self.not_applicable(f"no {roles} turns in scope")
        if self._satisfied(conv, conv.scope_set(self.rule)):
            return NO_FINDINGS
        out = self.outcome()
        out.findings.append(self._missing_finding(conv, scoped))
        return out

    def _trigger_turns(self, conv) -> dict[int, dict]:
        """Turns where the trigger fires, each with what fired it: a trigger phrase or another rule's finding, in
        a turn of a trigger role, without an ``unless`` phrase."""
        fired: dict[int, dict] = {}
        hits = conv.hits.get(self.trigger_group) if self.trigger_group is not None else None
        for t, s, e in sorted(hits or ()):
            if t not in fired:
                fired[t] = {"trigger_evidence": conv.original_text(t, s, e)}
        for f in conv.findings_of(self.trigger_rules) if self.trigger_rules else ():
            if f.turn is not None and f.turn not in fired:
                fired[f.turn] = {"trigger_evidence": f.evidence, "trigger_rule": f.rule}
        if not fired:
            return fired
        roles = self.trigger_roles
        turns = conv.conv.turns
        unless = self.trigger_unless
        return {t: fired[t] for t in sorted(fired) if (roles is None or turns[t].role in roles)
                and (unless is None or not conv.turn_has(unless, t))}

    def _check_triggered(self, conv):
        fired = self._trigger_turns(conv)
        if not fired:
            return self.never_triggered
        trig_turns = list(fired)
        if self.first_only:
            trig_turns = trig_turns[:1]
        scoped = conv.turns_in_scope(self.rule)  # ascending
        out = NO_FINDINGS
        window = self.window
        direction = self.direction
        include_self = self.include_self
        last_checked = -1
        for t in trig_turns:
            if t <= last_checked and direction == "after":
                continue  # a burst of triggers is answered by one response
            k = bisect_right(scoped, t)
            after = scoped[k:k + window]
            k = bisect_left(scoped, t)
            before = scoped[max(0, k - window):k]
            look = set(after if direction == "after" else before if direction == "before" else before + after)
            if include_self and t in conv.scope_set(self.rule):
                look.add(t)
            if not self._satisfied(conv, look):
                at = t if t in conv.scope_set(self.rule) or not after else after[0]
                if out is NO_FINDINGS:
                    out = self.outcome()
                info = {k: v for k, v in fired[t].items() if v is not None}
                out.findings.append(self.finding(
                    conv, at, None, self._missing(f"no required phrase {direction} turn {t + 1}"),
                    trigger_turn=t, **info))
            last_checked = max(after) if after else t
        return out

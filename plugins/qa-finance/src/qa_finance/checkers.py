"""The pack's checkers: ``pii_readback`` and ``disclosure``."""

from __future__ import annotations

from qa import Checker, Option
from qa_finance.pii import KINDS, find_pii

KIND_NAMES = {"id_card": "身份证号", "bank_card": "银行卡号", "phone": "手机号"}


class PiiReadbackChecker(Checker):
    """Personal numbers read out in full instead of masked.

    Flags each resident ID number (checksum-valid), bank card number (Luhn-valid) or mobile number
    written or spoken in full in the scoped turns. The evidence in the finding is the masked number,
    so a report of the finding does not leak the data it is about.
    """

    name = "pii_readback"
    description = "Flags ID, bank card and mobile numbers read back unmasked (checksum/Luhn validated)."
    span_findings = True
    options = {
        "kinds": Option(list, default=list(KINDS), item=str,
                        doc="which numbers to flag: id_card, bank_card, phone"),
    }

    @classmethod
    def validate_rule(cls, rule, path):
        from qa.errors import RubricError

        for kind in rule.options.get("kinds") or ():
            if kind not in KINDS:
                from qa.errors import did_you_mean

                raise RubricError(f"rule {rule.id!r}: unknown kind {kind!r}; expected one of {list(KINDS)}",
                                  path=path, line=rule.line, field="kinds", hint=did_you_mean(kind, KINDS))

    def check(self, prepared):
        out = self.outcome()
        kinds = tuple(self.opt("kinds"))
        for i in prepared.turns_in_scope(self.rule):
            for m in find_pii(prepared.texts[i], kinds):
                msg = f"完整读出{KIND_NAMES[m.kind]}（{m.masked}），核对时只说末四位"
                out.findings.append(self.finding(prepared, i, (m.start, m.end), msg, evidence=m.masked, kind=m.kind))
        return out


class DisclosureChecker(Checker):
    """A disclosure required once a conversation turns out to be of a kind (e.g. a sale).

    When any ``when`` phrase occurs in the scoped turns (the conversation is a sales conversation),
    one of ``phrases`` must occur in the scoped turns too, and, if ``before`` is given, before the
    first turn containing a ``before`` phrase (the customer agreeing to buy). One finding at most,
    placed at the first ``when`` turn; a conversation without a ``when`` phrase is not applicable.
    """

    name = "disclosure"
    description = "Requires a disclosure phrase in conversations where a trigger phrase shows it is needed."
    options = {
        "when": Option(list, required=True, item=str, doc="phrases that make the disclosure necessary"),
        "phrases": Option(list, required=True, item=str, doc="the disclosure: any of these phrases"),
        "before": Option(list, default=[], item=str,
                         doc="the disclosure must come before the first turn (any role) with one of these"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        self.when = ctx.add_phrases(self.opt("when"))
        self.need = ctx.add_phrases(self.opt("phrases"))
        self.before = ctx.add_phrases(self.opt("before")) if self.opt("before") else None

    def check(self, prepared):
        scoped = set(prepared.turns_in_scope(self.rule))
        triggers = sorted((h for h in prepared.hits.get(self.when, ()) if h[0] in scoped), key=lambda h: (h[0], h[1], -h[2]))
        if not triggers:
            return self.not_applicable("no sales talk: none of the `when` phrases occurred")
        deadline = len(prepared.conversation.turns)
        if self.before is not None:
            deadline = min((h[0] for h in prepared.hits.get(self.before, ())), default=deadline)
        out = self.outcome()
        said = sorted(h[0] for h in prepared.hits.get(self.need, ()) if h[0] in scoped)
        if said and said[0] <= deadline:
            return out
        turn, s, e = triggers[0]
        where = ("" if not said else f"; it came only in turn {said[0]}, after the commitment in turn {deadline}")
        msg = f"{self.rule.title}: 涉及“{prepared.texts[turn][s:e]}”但未做风险提示{where}"
        out.findings.append(self.finding(prepared, turn, (s, e), msg))
        return out

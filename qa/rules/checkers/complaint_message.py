"""``complaint-message``: every customer message a complaint-type rule read as a complaint, one finding each.

A ``complaint-type`` rule labels the conversation with each complaint type once, on the first message that shows
it — what a QA lead counts. Other rules need more: a brush-off (不会的，放心) is one in reply to *any* complaining
message, the second complaint as much as the first. This checker publishes the complaint rule's per-message
reading as findings other rules read (``in_reply_to: {findings: [signal.complaint]}``, ``trigger: {findings:
[…]}``). Ship it as a helper rule (``report: false``): it runs, other rules read it, nothing is reported or
deducted.

Each finding sits on the message's strongest phrase (the whole message for a chase or a repeated request) and
carries ``extra.complaint_type`` (the strongest type), ``extra.complaint_types`` (every type the message shows,
strongest first) and ``extra.confidence``.
"""

from __future__ import annotations

from qa.errors import RubricError
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.checkers.complaint import messages_key
from qa.rules.rubric.dependencies import select_rules


class ComplaintMessageChecker(Checker):
    name = "complaint-message"
    description = "One finding per customer message a complaint-type rule read as a complaint (for other rules)."
    span_findings = False
    options = {
        "rules": Option(list, item=str, default=["tag:complaint"],
                        doc="complaint-type rules (ids or tag:NAME) whose per-message reading to publish"),
    }

    @classmethod
    def dependencies(cls, rule) -> tuple[str, ...]:
        return tuple(rule.options.get("rules") or ("tag:complaint",))

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        by_id = {r.id: r for r in ctx.rubric.rules}
        ids = [rid for sel in self.opt("rules") for rid in select_rules(sel, ctx.rubric.rules) if rid != rule.id]
        self.sources = tuple(dict.fromkeys(rid for rid in ids if by_id[rid].checker == "complaint-type"))
        if not self.sources:
            raise RubricError(f"{', '.join(self.opt('rules'))} names no complaint-type rule", path=ctx.rubric.path,
                              line=rule.line, field=f"{rule.id}.rules",
                              hint="name the rule that labels complaint types (e.g. complaint.types)")

    def check(self, conv):
        merged: dict[int, dict] = {}
        for rid in self.sources:
            for m in conv.cache.get(messages_key(rid), ()):
                prev = merged.get(m.turn)
                if prev is None:
                    merged[m.turn] = {"types": dict(m.types), "span": m.span, "words": list(m.words)}
                    continue
                for tid, c in m.types:
                    prev["types"][tid] = max(c, prev["types"].get(tid, 0.0))
                prev["words"] = list(dict.fromkeys(prev["words"] + list(m.words)))
        if not merged:
            return NO_FINDINGS
        out = self.outcome()
        for turn in sorted(merged):
            m = merged[turn]
            types = sorted(m["types"].items(), key=lambda kv: (-kv[1], kv[0]))
            message = f"{self.rule.title}: {', '.join(t for t, _c in types)}（{', '.join(m['words'][:4])}）"
            out.findings.append(self.finding(conv, turn, m["span"], message, complaint_type=types[0][0],
                                             complaint_types=[t for t, _c in types], confidence=types[0][1]))
        return out

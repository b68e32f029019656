"""``chase``: the customer chases after being kept waiting (在吗？, 人呢, 查到了吗, ??).

A chase phrase counts when it stands on its own — it starts a message of the turn (text between spaces), with
at most ``skip`` words such as a greeting or an address term before it: 亲在吗 is a chase, 客服在吗 asks for the
agent and 能发货吗??? stresses a question — and the customer had been waiting for the agent:

- the customer wrote something before it in the same turn (transcripts merge a customer's messages in a
  row: the customer wrote, waited, and wrote again; greetings and ``skip`` words do not count);
- the turn right before it is also the customer's;
- the agent's last turn before it asked the customer to wait (a ``pending`` phrase: 请稍等) or announced
  something the customer waits for (a finding of a ``pending_findings`` rule: 我帮您查一下); or
- with times, it comes ``min_wait_s`` or more after the agent's last turn.

A chase phrase that opens the customer's message after an agent reply that left nothing pending is the
customer starting something new (在吗，我想问一下…), not a chase. Each counting chase is one finding on its
phrase; a rule that owes the customer an apology reads them through ``trigger: {findings: [...]}``.
"""

from __future__ import annotations

from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.rubric.dependencies import select_rules
from qa.rules.text.clauses import content_chars

WROTE_CHARS = 2  # content characters before a chase that show the customer had written and waited


class ChaseChecker(Checker):
    name = "chase"
    description = "Finds the customer chasing after a wait (在吗, 人呢, 查到了吗) once the agent went quiet or left them waiting."
    span_findings = True
    options = {
        "phrases": Option(list, required=True, item=str, phrases=True, doc="what a chase says (在吗, 人呢, ??)"),
        "skip": Option(list, item=str, default=[], phrases=True,
                       doc="words that carry nothing (greetings, address terms): allowed before a chase in its "
                           "clause, and not counted as something the customer wrote"),
        "pending": Option(list, item=str, default=[], phrases=True,
                          doc="agent phrases that ask the customer to wait (请稍等): a chase right after counts"),
        "pending_findings": Option(list, item=str, default=[],
                                   doc="rules (ids or tag:NAME) whose finding on the agent's last turn leaves the "
                                       "customer waiting (an announced look-up)"),
        "min_wait_s": Option(float, default=None, doc="with times: a chase this long after the agent's last turn"),
    }

    @classmethod
    def dependencies(cls, rule) -> tuple[str, ...]:
        return tuple(rule.options.get("pending_findings") or ())

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        self.group = ctx.add_phrases(self.opt("phrases"))
        skip, pending = self.opt("skip"), self.opt("pending")
        self.skip = ctx.add_phrases(skip) if skip else None
        self.pending = ctx.add_phrases(pending) if pending else None
        self.min_wait = self.opt("min_wait_s")
        self.pending_rules = tuple(dict.fromkeys(rid for sel in self.opt("pending_findings") or ()
                                                 for rid in select_rules(sel, ctx.rubric.rules) if rid != rule.id))

    def check(self, conv):
        hits = conv.hits.get(self.group)
        if not hits:
            return NO_FINDINGS
        scoped = conv.scope_set(self.rule)
        out = NO_FINDINGS
        done: set[int] = set()
        for t, s, e in sorted(hits):
            if t in done or t not in scoped:
                continue
            skipped = [(a, b) for tt, a, b in conv.hits.get(self.skip, ()) if tt == t] if self.skip is not None else []
            clause = _segment_start(conv.texts[t], s)
            if content_chars(conv.texts[t], clause, s, skipped):
                continue  # 客服在吗, 能发货吗???: the phrase does not stand on its own
            if not self._waited(conv, t, clause, skipped):
                continue
            done.add(t)
            if out is NO_FINDINGS:
                out = self.outcome()
            out.findings.append(self.span_finding(conv, t, (s, e)))
        return out

    def _waited(self, conv, t: int, clause: int, skipped) -> bool:
        turns = conv.conv.turns
        role = turns[t].role
        if content_chars(conv.texts[t], 0, clause, skipped) >= WROTE_CHARS:
            return True  # the customer wrote something earlier in this turn, then chased
        if t > 0 and turns[t - 1].role == role:
            return True
        agent = next((j for j in range(t - 1, -1, -1) if turns[j].role != role), None)
        if agent is None:
            return False
        if self.pending is not None and conv.turn_has(self.pending, agent):
            return True
        if self.pending_rules and any(f.turn == agent for f in conv.findings_of(self.pending_rules)):
            return True
        if self.min_wait is not None:
            mine, theirs = conv.turn_time(t), conv.turn_time(agent)
            if mine is not None and theirs is not None and mine - theirs >= self.min_wait:
                return True
        return False


def _segment_start(text: str, s: int) -> int:
    """Where the message holding position ``s`` starts: after the last whitespace before it."""
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    return s

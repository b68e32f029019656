"""``first_response``: how long until the agent first speaks or writes.

``from: customer`` (default) measures from the customer's first message to the first agent turn
after it; an agent who greeted before the customer wrote has answered in 0 s. ``from: start``
measures from the conversation start (``started_at``, else the first turn; 0 s for calls) to the
first agent turn. Times are chat ``ts`` or call ``start``; ``[noise]``-only turns don't count. A first customer message that no agent
turn ever follows is a finding; missing times make the rule not applicable with the reason.

Metric: ``first_response_s``.
"""

from __future__ import annotations

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, speech_flags


class FirstResponseChecker(TimingChecker):
    name = "first_response"
    tag = "timing.first_response"
    needs = ("ts", "times")
    description = "Time from the customer's first message (or the start) to the agent's first turn."
    options = {
        "max_s": Option(float, default=15.0, doc="the first agent turn must come within this many seconds"),
        "from": Option(str, default="customer", choices=("customer", "start"),
                       doc="measure from the customer's first message or from the conversation start"),
        "answer_roles": Option(list, item=str, default=["agent"], doc="roles whose turn counts as the response"),
    }

    def check(self, conv):
        c = conv.conv
        if not (conv.has_chat_times or conv.has_call_times):
            return self.not_applicable("no turn has a time (ts or start)")
        speech = speech_flags(conv)
        answers = [i for i in conv.turns_with_roles(sorted(set(self.opt("answer_roles")))) if speech[i]]
        if self.opt("from") == "customer":
            first_c = next((i for i in conv.turns_with_roles(("customer",)) if speech[i]), None)
            if first_c is None:
                return self.not_applicable("the customer never wrote or spoke")
            origin = conv.turn_time(first_c)
            if origin is None:
                return self.not_applicable(f"the customer's first turn (turn {first_c + 1}) has no time")
            if answers and answers[0] < first_c:
                return self._result(conv, answers[0], 0.0, origin, first_c)
            answer = next((i for i in answers if i > first_c), None)
        else:
            first_c = None
            origin = 0.0
            answer = answers[0] if answers else None
        if answer is None:
            out = self.outcome()
            anchor = first_c if first_c is not None else 0
            out.findings.append(self.finding(conv, anchor, None,
                                             f"{self.rule.title}: no agent response at all",
                                             time=origin, evidence=c.turns[anchor].text, unanswered=True))
            return out
        t = conv.turn_time(answer)
        if t is None:
            return self.not_applicable(f"the agent's first turn (turn {answer + 1}) has no time")
        return self._result(conv, answer, max(0.0, t - origin), origin, first_c)

    def _result(self, conv, answer: int, wait: float, origin: float, first_c: int | None):
        out = self.outcome()
        out.metrics["first_response_s"] = round(wait, 3)
        limit = self.opt("max_s")
        if wait > limit:
            extra = {"customer_turn": first_c} if first_c is not None else {}
            out.findings.append(self.finding(
                conv, answer, None, f"{self.rule.title}: first response after {wait:.1f} s (limit {limit:g} s)",
                time=round(origin, 3), evidence=conv.conv.turns[answer].text, wait_s=round(wait, 3), **extra))
        return out

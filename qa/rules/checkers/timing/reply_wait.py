"""``reply_wait``: how long each customer message (or burst of messages) waits for the agent.

Consecutive customer turns form a burst; the burst is answered by the next turn of an
``answer_roles`` role (agent by default; bot and system turns neither answer nor break a burst
unless listed). Chats measure from the burst's first message (``measure_from: first``, what the
customer lived through) or its last; calls measure from the end of the customer's speech to the
agent's start (talking over the customer counts as 0 s). Turns that are only tags such as
``[noise]`` neither ask nor answer. A burst still open when the conversation
ends is not a wait (the customer may have left), but is counted in ``reply_unanswered``. Bursts
whose times are unknown are skipped; if none can be measured the rule is not applicable.

Metrics: ``reply_wait_mean_s``, ``reply_wait_max_s``, ``replies``, ``reply_unanswered``.
"""

from __future__ import annotations

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, speech_flags


class ReplyWaitChecker(TimingChecker):
    name = "reply_wait"
    tag = "timing.reply_wait"
    needs = ("ts", "times")
    description = "Each customer message or burst must be answered within max_s seconds."
    options = {
        "max_s": Option(float, default=20.0, doc="a wait longer than this is a finding"),
        "measure_from": Option(str, default="first", choices=("first", "last"),
                               doc="chats: wait from the burst's first or last customer message"),
        "answer_roles": Option(list, item=str, default=["agent"], doc="roles whose turn answers the customer"),
    }

    def check(self, conv):
        c = conv.conv
        if not (conv.has_chat_times or conv.has_call_times):
            return self.not_applicable("no turn has a time (ts or start)")
        answer_roles = set(self.opt("answer_roles"))
        bursts: list[tuple[list[int], int]] = []
        burst: list[int] = []
        speech = speech_flags(conv)
        for i, t in enumerate(c.turns):
            if not speech[i]:
                continue
            if t.role == "customer":
                burst.append(i)
            elif t.role in answer_roles and burst:
                bursts.append((burst, i))
                burst = []
        if not bursts and not burst:
            return self.not_applicable("the customer never wrote or spoke")
        waits: list[float] = []
        out = self.outcome()
        limit = self.opt("max_s")
        times = conv.turn_times
        from_first = self.opt("measure_from") == "first"
        for turns, answer in bursts:
            origin = self._origin(conv, turns, from_first)
            t = times[answer]
            if origin is None or t is None:
                continue
            wait = max(0.0, t - origin)
            waits.append(wait)
            if wait > limit:
                first = turns[0]
                out.findings.append(self.finding(
                    conv, answer, None,
                    f"{self.rule.title}: customer waited {wait:.1f} s for a reply (limit {limit:g} s)",
                    time=round(origin, 3), evidence=c.turns[first].text, wait_s=round(wait, 3),
                    customer_turn=first, customer_turns=len(turns)))
        if not waits:
            reason = ("no agent reply followed the customer" if not bursts
                      else "no customer turn and its reply both have times")
            return self.not_applicable(reason)
        out.metrics.update({
            "reply_wait_mean_s": round(sum(waits) / len(waits), 3),
            "reply_wait_max_s": round(max(waits), 3),
            "replies": len(waits),
            "reply_unanswered": 1 if burst else 0,
        })
        return out

    def _origin(self, conv, turns: list[int], from_first: bool) -> float | None:
        c = conv.conv
        if c.turns[turns[0]].start is not None or c.channel == "call":
            ends = [c.turns[i].end if c.turns[i].end is not None else c.turns[i].start for i in turns]
            ends = [e for e in ends if e is not None]
            return max(ends) if ends else None
        times = conv.turn_times
        for i in (turns if from_first else reversed(turns)):
            if times[i] is not None:
                return times[i]
        return None

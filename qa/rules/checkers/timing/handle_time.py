"""``handle_time``: how long the whole conversation took, and how much of it the agent did.

Calls run from 0 s (call start) to the end of the last turn; chats from ``started_at`` (or the
first message) to the last message. ``max_s``/``min_s`` bound it (both optional: without them the
rule only records metrics). ``talk_ratio_agent`` is the agent's share of agent + customer talk:
seconds of speech on calls (each role's segments merged), characters in chats.

Metrics: ``handle_time_s``, ``talk_ratio_agent``.
"""

from __future__ import annotations

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, call_segments, no_text, unit_counts
from qa.rules.checkers.timing.intervals import total


class HandleTimeChecker(TimingChecker):
    name = "handle_time"
    tag = "timing.handle_time"
    needs = ("ts", "times")
    description = "Conversation duration against bounds, with the agent's talk ratio."
    options = {
        "max_s": Option(float, doc="longer than this is a finding"),
        "min_s": Option(float, doc="shorter than this is a finding (e.g. calls cut off)"),
    }

    def check(self, conv):
        c = conv.conv
        if conv.has_call_times:
            ends = [t.end if t.end is not None else t.start for t in c.turns]
            ends = [e for e in ends if e is not None]
            duration = max(ends)
            segs, _ = call_segments(conv)
            agent = total((s, e) for i, s, e in segs if c.turns[i].role == "agent")
            cust = total((s, e) for i, s, e in segs if c.turns[i].role == "customer")
        elif conv.has_chat_times:
            duration = max(x for x in conv.turn_times if x is not None)
            agent = cust = 0.0
            if not no_text(c):
                agents = conv.turns_with_roles(("agent",))
                customers = conv.turns_with_roles(("customer",))
                counts = unit_counts(conv, "chars", agents + customers)
                agent = sum(counts[i] for i in agents)
                cust = sum(counts[i] for i in customers)
        else:
            return self.not_applicable("no turn has a time (ts or start/end)")
        out = self.outcome()
        out.metrics["handle_time_s"] = round(duration, 3)
        if agent + cust > 0:
            out.metrics["talk_ratio_agent"] = round(agent / (agent + cust), 4)
        hi, lo = self.opt("max_s"), self.opt("min_s")
        last = len(c.turns) - 1
        if hi is not None and duration > hi:
            out.findings.append(self.finding(conv, last, None,
                                             f"{self.rule.title}: {duration:.0f} s is over {hi:g} s",
                                             time=round(duration, 3), handle_time_s=round(duration, 3)))
        if lo is not None and duration < lo:
            out.findings.append(self.finding(conv, last, None,
                                             f"{self.rule.title}: {duration:.0f} s is under {lo:g} s",
                                             time=round(duration, 3), handle_time_s=round(duration, 3)))
        return out

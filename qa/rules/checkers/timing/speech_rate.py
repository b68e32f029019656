"""``speech_rate``: speaking rate on calls, typing rate in chats, per minute.

The unit is characters for Chinese (letters and digits; punctuation ignored) and words for other
languages (``unit: auto``). A call turn's duration is its words' span when word timings exist,
else ``end - start``. A chat message's duration is its typing time: from the previous message
(any role) to this one; it is unknown when either lacks a time,
and not typing at all when longer than ``max_typing_s`` (a look-up after 请稍等, a break). Turns with fewer than ``min_units`` units or no duration are ignored.
The rate judged is the average over the scoped turns (total units / total minutes), or each turn
with ``judge: turn``; ``min_rate``/``max_rate`` bound it (either may be left out).

Metric: ``speech_rate_agent`` (average rate of the agent turns, when the rule scopes agents).
"""

from __future__ import annotations

from qa.errors import RubricError
from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, no_text, unit_counts, unit_for


class SpeechRateChecker(TimingChecker):
    name = "speech_rate"
    tag = "timing.speech_rate"
    needs = ("ts", "times")
    description = "Characters or words per minute (speaking or typing) against too-slow/too-fast bounds."
    options = {
        "min_rate": Option(float, doc="slower than this many units per minute is a finding"),
        "max_rate": Option(float, doc="faster than this many units per minute is a finding"),
        "unit": Option(str, default="auto", choices=("auto", "chars", "words"),
                       doc="chars for zh, words otherwise (auto)"),
        "min_units": Option(int, default=5, doc="turns shorter than this are ignored"),
        "judge": Option(str, default="average", choices=("average", "turn"),
                        doc="judge the average rate or every turn"),
        "max_typing_s": Option(float, default=60.0,
                               doc="chats: a longer gap before a message is not typing time (look-ups, holds)"),
    }

    @classmethod
    def validate_rule(cls, rule, path):
        if rule.options.get("min_rate") is None and rule.options.get("max_rate") is None:
            raise RubricError(f"rule {rule.id!r}: give min_rate, max_rate or both", path=path, line=rule.line)

    def check(self, conv):
        c = conv.conv
        if no_text(c):
            return self.not_applicable("the conversation has no transcript text")
        if not (conv.has_chat_times or conv.has_call_times):
            return self.not_applicable("no turn has a time (ts or start)")
        unit = unit_for(c.language, self.opt("unit"))
        roles = self.rule.scope.role or ("agent",)
        scoped = conv.turns_in_scope(self.rule) if self.rule.scope.role else conv.turns_with_roles(roles)
        rates: list[tuple[int, int, float]] = []
        counts = unit_counts(conv, unit, scoped)
        min_units = self.opt("min_units")
        max_typing_s = self.opt("max_typing_s")
        for i in scoped:
            n = counts[i]
            if n < min_units:
                continue
            d = self._duration(conv, i, max_typing_s)
            if d is None or d <= 0:
                continue
            rates.append((i, n, d))
        if not rates:
            return self.not_applicable(f"no {'/'.join(roles)} turn of at least {self.opt('min_units')} {unit} "
                                       "has a measurable duration")
        out = self.outcome()
        avg = sum(n for _, n, _ in rates) / (sum(d for _, _, d in rates) / 60.0)
        if tuple(roles) == ("agent",):
            out.metrics["speech_rate_agent"] = round(avg, 1)
        per = f"{unit}/min"
        if self.opt("judge") == "average":
            msg = self._breach(avg)
            if msg:
                out.findings.append(self.finding(
                    conv, rates[0][0], None, f"{self.rule.title}: average {avg:.0f} {per} {msg}", time=None,
                    rate=round(avg, 1), unit=per, turns_measured=len(rates)))
        else:
            for i, n, d in rates:
                r = n / (d / 60.0)
                msg = self._breach(r)
                if msg:
                    out.findings.append(self.finding(
                        conv, i, None, f"{self.rule.title}: {r:.0f} {per} {msg}", evidence=c.turns[i].text,
                        rate=round(r, 1), unit=per, units=n, duration_s=round(d, 3)))
        return out

    def _breach(self, rate: float) -> str | None:
        lo, hi = self.opt("min_rate"), self.opt("max_rate")
        if lo is not None and rate < lo:
            return f"is below {lo:g}"
        if hi is not None and rate > hi:
            return f"is above {hi:g}"
        return None

    @staticmethod
    def _duration(conv, i: int, max_typing_s: float) -> float | None:
        t = conv.conv.turns[i]
        if t.start is not None:
            if t.words:
                return max(w.end for w in t.words) - min(w.start for w in t.words)
            return t.end - t.start if t.end is not None else None
        if i == 0:
            return None
        times = conv.turn_times
        now = times[i]
        prev = times[i - 1]
        if now is None or prev is None or now - prev > max_typing_s:
            return None
        return now - prev

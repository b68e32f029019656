"""``interruption`` (calls): the agent starts talking while the customer is still speaking.

An agent turn interrupts a customer turn when it starts strictly inside the customer's speech,
the customer still had more than ``tolerance_ms`` left to say (otherwise it is an ordinary
hand-over at the end of their sentence), and the two then talk over each other for more than
``min_overlap_ms``. With word timings, speech is the words (pauses inside a turn don't count as
overlap); without them, the segment ``start``–``end``. Agent backchannels (嗯, 对, mm-hmm …: the
whole turn is backchannel phrases and lasts at most ``backchannel_max_s``) are never interruptions.
"""

from __future__ import annotations

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, call_segments
from qa.rules.checkers.timing.intervals import intersection

BACKCHANNELS = ["嗯", "恩", "嗯呢", "对", "对的", "是", "是的", "好", "好的", "行", "哦", "噢", "啊", "明白",
                "mm", "mhm", "hmm", "mm hmm", "mm-hmm", "uh huh", "uh-huh", "yeah", "yes", "yep", "right",
                "okay", "ok", "sure", "i see"]
_DECOR = frozenset(" ,.!?;:'\"-~，。！？；：、…—～")


class InterruptionChecker(TimingChecker):
    name = "interruption"
    tag = "timing.interruption"
    needs = ("times",)
    description = "Agent turns that start while the customer is still speaking (backchannels excluded)."
    options = {
        "min_overlap_ms": Option(float, default=500.0, doc="talking over each other for longer than this counts"),
        "tolerance_ms": Option(float, default=250.0,
                               doc="starting this close to the end of the customer's speech is a hand-over"),
        "backchannels": Option(list, item=str, default=BACKCHANNELS, phrases=True,
                               doc="phrases that, making up a whole short turn, are not interruptions"),
        "backchannel_max_s": Option(float, default=1.5, doc="a backchannel turn lasts at most this long"),
        "use_words": Option(bool, default=True, doc="use word timings when the turns carry them"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        self.bc_group = ctx.add_phrases(self.opt("backchannels"))

    def is_backchannel(self, conv, i: int) -> bool:
        t = conv.conv.turns[i]
        if t.start is not None and t.end is not None and t.end - t.start > self.opt("backchannel_max_s"):
            return False
        text = conv.texts[i]
        covered = [False] * len(text)
        for turn, s, e in conv.hits.get(self.bc_group, ()):
            if turn == i:
                covered[s:e] = [True] * (e - s)
        rest = [c for c, cov in zip(text, covered, strict=True) if not cov and c not in _DECOR]
        return bool(text.strip()) and not rest

    def _speech(self, turn, s: float, e: float) -> list[tuple[float, float]]:
        if self.opt("use_words") and turn.words:
            return [(w.start, w.end) for w in turn.words if w.end > w.start]
        return [(s, e)]

    def check(self, conv):
        segs, _missing = call_segments(conv)
        turns = conv.conv.turns
        agent = [x for x in segs if turns[x[0]].role == "agent"]
        if not agent:
            return self.not_applicable("no agent turn has call times (start/end)")
        customer = []
        for j, cs, ce in segs:
            if turns[j].role == "customer":
                sp = self._speech(turns[j], cs, ce)
                if sp:
                    customer.append((j, cs, min(x[0] for x in sp), max(x[1] for x in sp), sp))
        customer.sort(key=lambda x: x[1])
        min_overlap = self.opt("min_overlap_ms") / 1000.0
        tolerance = self.opt("tolerance_ms") / 1000.0
        out = self.outcome()
        for i, s, e in agent:
            a_speech = self._speech(turns[i], s, e)
            if not a_speech:
                continue
            onset = min(x[0] for x in a_speech)
            for j, cs, c_start, c_end, c_speech in customer:
                if cs >= onset:
                    break
                if not (c_start < onset < c_end) or c_end - onset <= tolerance:
                    continue
                overlap = intersection(a_speech, [(max(a, onset), b) for a, b in c_speech if b > onset])
                if overlap <= min_overlap or self.is_backchannel(conv, i):
                    continue
                out.findings.append(self.finding(
                    conv, i, None,
                    f"{self.rule.title}: agent started at {onset:.2f} s while the customer was speaking "
                    f"(turn {j + 1}, until {c_end:.2f} s); {overlap * 1000:.0f} ms of overlap",
                    time=round(onset, 3), evidence=turns[i].text, customer_turn=j,
                    customer_text=turns[j].text, overlap_ms=round(overlap * 1000, 1),
                    customer_end=round(c_end, 3)))
                break
        out.metrics["interruptions"] = len(out.findings)
        return out

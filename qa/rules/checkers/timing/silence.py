"""``silence`` (calls): gaps with nobody speaking, told apart as dead air or an announced hold.

The call runs from 0 s (call start) to the end of the last speech. Every gap between speech (the
union of all speakers' segments; ``[noise]``-only turns are not speech) is a silence. A gap is an
**announced hold** when one of the ``announce_window`` turns before it is an agent turn containing
a hold phrase (请稍等 …); otherwise it is **dead air**. Dead air longer than ``max_silence_s`` and
holds longer than ``max_hold_s`` are findings. The silence before the first speech is counted in
the totals but is never a finding (that is ``first_response``'s job).

Metrics: ``silence_ratio`` (silence / call length), ``silence_s``, ``overlap_s`` (two or more
speakers at once), ``hold_s`` (announced holds).
"""

from __future__ import annotations

from bisect import bisect_left

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, by_speaker, call_segments
from qa.rules.checkers.timing.intervals import timeline

HOLD_PHRASES = ["请稍等", "请您稍等", "稍等", "请稍候", "稍候", "我帮您查", "帮您查询", "我查一下", "麻烦您等",
                "one moment", "just a moment", "hold on", "please hold", "bear with me", "let me check",
                "give me a second", "give me a moment", "let me look"]


class SilenceChecker(TimingChecker):
    name = "silence"
    tag = "timing.silence"
    needs = ("times",)
    description = "Gaps with nobody speaking: dead air and announced holds over their limits."
    options = {
        "max_silence_s": Option(float, default=10.0, doc="dead air longer than this is a finding"),
        "max_hold_s": Option(float, default=60.0, doc="an announced hold longer than this is a finding"),
        "hold_phrases": Option(list, item=str, default=HOLD_PHRASES, phrases=True, doc="phrases that announce a hold"),
        "announce_window": Option(int, default=2, doc="how many turns before a gap may announce it"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        self.hold_group = ctx.add_phrases(self.opt("hold_phrases"))

    def check(self, conv):
        c = conv.conv
        segs, missing = call_segments(conv)
        if missing:
            i = missing[0]
            which = "end" if c.turns[i].start is not None else "start"
            return self.not_applicable(f"turn {i + 1} has no {which} time, so silences cannot be measured")
        if not segs:
            return self.not_applicable("no turn has call times (start/end)")
        segs = sorted(segs, key=lambda x: (x[1], x[0]))
        tl = timeline(by_speaker(c, segs))
        starts = [x[1] for x in segs]
        out = self.outcome()
        hold_s = 0.0
        window = self.opt("announce_window")
        holding = {turn for turn, _, _ in conv.hits.get(self.hold_group, ())}
        for gs, ge in tl.silences:
            if gs <= tl.origin:
                continue  # before anyone spoke
            k = bisect_left(starts, gs)  # no segment spans a gap: those starting before it end before it
            before = segs[:k]
            after = segs[k][0] if k < len(segs) else None
            recent = [x[0] for x in before[-window:]] if window > 0 else []  # before[-0:] would be all
            announced = next((i for i in reversed(recent)
                              if c.turns[i].role == "agent" and i in holding), None)
            length = ge - gs
            prev = before[-1][0] if before else None
            if announced is not None:
                hold_s += length
                if length > self.opt("max_hold_s"):
                    out.findings.append(self.finding(
                        conv, prev, None,
                        f"{self.rule.title}: hold of {length:.1f} s from {gs:.2f} s (limit {self.opt('max_hold_s'):g} s)",
                        time=round(gs, 3), evidence=c.turns[announced].text, kind="hold",
                        silence_s=round(length, 3), announced_turn=announced, next_turn=after))
            elif length > self.opt("max_silence_s"):
                out.findings.append(self.finding(
                    conv, prev, None,
                    f"{self.rule.title}: {length:.1f} s of dead air from {gs:.2f} s "
                    f"(limit {self.opt('max_silence_s'):g} s)",
                    time=round(gs, 3), evidence=c.turns[prev].text if prev is not None else None, kind="dead_air",
                    silence_s=round(length, 3), next_turn=after))
        span = tl.span_s
        out.metrics.update({
            "silence_ratio": round(tl.silence_s / span, 4) if span > 0 else 0.0,
            "silence_s": round(tl.silence_s, 3),
            "overlap_s": round(tl.overlap_s, 3),
            "hold_s": round(hold_s, 3),
        })
        return out

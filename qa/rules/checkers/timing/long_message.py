"""``long_message`` (chats): agent messages so long they should have been sent in parts.

The seed rule (如回答太长，宜分次回答) gives no number; ``max_units`` (characters for zh, words
otherwise, counted like ``speech_rate``) sets it in the rubric. Each message over it is a finding.
"""

from __future__ import annotations

from qa.rules.checkers.base import Option
from qa.rules.checkers.timing.common import TimingChecker, no_text, unit_counts, unit_for


class LongMessageChecker(TimingChecker):
    name = "long_message"
    tag = "timing.long_message"
    description = "Agent messages longer than max_units characters/words (split long replies)."
    options = {
        "max_units": Option(int, default=100, doc="a message longer than this should be split"),
        "unit": Option(str, default="auto", choices=("auto", "chars", "words"),
                       doc="chars for zh, words otherwise (auto)"),
    }

    def check(self, conv):
        c = conv.conv
        if no_text(c):
            return self.not_applicable("the conversation has no transcript text")
        unit = unit_for(c.language, self.opt("unit"))
        scoped = conv.turns_in_scope(self.rule) if self.rule.scope.role else conv.turns_with_roles(("agent",))
        if not scoped:
            return self.not_applicable("no agent message")
        limit = self.opt("max_units")
        out = self.outcome()
        counts = unit_counts(conv, unit, scoped)
        for i in scoped:
            n = counts[i]
            if n > limit:
                text = c.turns[i].text
                out.findings.append(self.finding(
                    conv, i, None, f"{self.rule.title}: {n} {unit} in one message (limit {limit})",
                    evidence=text[:30] + ("…" if len(text) > 30 else ""), units=n))
        return out

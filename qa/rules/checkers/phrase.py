"""``phrase``: flag phrases an agent must not say (or any phrase worth reporting).

Every phrase of every ``phrase`` rule goes into the rubric's single automaton; a turn is scanned
once for all of them. Where phrases of one rule overlap (不能 inside 我不能) the longest match wins.
``unless`` exceptions (preceded_by, followed_by, same_sentence, …) are applied by the engine.
"""

from __future__ import annotations

import re

from qa.errors import RubricError
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option


class PhraseChecker(Checker):
    name = "phrase"
    description = "Flags each occurrence of any listed phrase in the scoped turns."
    span_findings = True
    options = {
        "phrases": Option(list, required=True, item=str, phrases=True, doc="phrases to flag (any of)"),
        "whole_turn": Option(bool, default=False,
                             doc="only flag when the phrase (plus punctuation/fillers) is the entire turn"),
        "max_per_turn": Option(int, default=0, doc="report at most this many matches per turn (0 = all)"),
    }

    @classmethod
    def validate_rule(cls, rule, path):
        phrases = rule.options.get("phrases") or []
        if not phrases:
            raise RubricError(f"rule {rule.id!r}: phrases must list at least one phrase", path=path,
                              line=rule.line_of("phrases"), field=rule.key_path("phrases"))
        for j, p in enumerate(phrases):
            if not p.strip():
                raise RubricError(f"rule {rule.id!r}: phrase {j} is empty", path=path,
                                  line=rule.line_of(f"phrases[{j}]"), field=rule.key_path(f"phrases[{j}]"))

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        self.group = ctx.add_phrases(self.opt("phrases"))
        self.whole = self.opt("whole_turn")
        self.cap = self.opt("max_per_turn") or 0

    def check(self, conv):
        hits = conv.hits.get(self.group)
        if not hits:
            return NO_FINDINGS
        scoped_set = conv.scope_set(self.rule)
        matches = [h for h in hits if h[0] in scoped_set]
        if not matches:
            return NO_FINDINGS
        out = self.outcome()
        matches.sort(key=lambda h: (h[0], h[1], -(h[2] - h[1])))
        kept: list[tuple[int, int, int]] = []
        for h in matches:
            if kept and kept[-1][0] == h[0] and h[1] < kept[-1][2]:
                continue  # overlaps a longer/earlier match of the same rule
            kept.append(h)
        whole = self.whole
        cap = self.cap
        per_turn: dict[int, int] = {}
        texts = conv.texts
        for turn, s, e in kept:
            if whole and not (_DECOR_ONLY.fullmatch(texts[turn], 0, s) and _DECOR_ONLY.fullmatch(texts[turn], e)):
                continue  # something other than punctuation/fillers surrounds the phrase
            if cap:
                per_turn[turn] = per_turn.get(turn, 0) + 1
                if per_turn[turn] > cap:
                    continue
            out.findings.append(self.span_finding(conv, turn, (s, e)))
        return out


_DECOR_ONLY = re.compile(r"[ ~～。，,.!！?？、…\-—_:：;；\"'“”‘’()（）\[\]【】<>《》]*")

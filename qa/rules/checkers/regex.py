"""``regex``: flag text matching RE2 patterns (linear time: no backtracking blow-ups on hostile input).

Patterns run on the normalised turn text (simplified characters, half-width, lower case), so write
them in that form: ``\\d{11}`` finds a phone number whether it was typed in full-width digits or not.
All patterns of a rule are joined into one RE2 alternation, so a turn is searched once per rule.
Each pattern is still compiled on its own at load time, so a mistake names its list item's line.
"""

from __future__ import annotations

from qa.errors import RubricError
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.text.regex import compile_regex


class RegexChecker(Checker):
    name = "regex"
    description = "Flags each match of any listed RE2 pattern in the scoped turns."
    span_findings = True
    options = {
        "patterns": Option(list, required=True, item=str, patterns=True,
                           doc="RE2 patterns (any of), on normalised text; {$name} splices a lexicon in"),
        "max_per_turn": Option(int, default=0, doc="report at most this many matches per turn (0 = all)"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        pats = self.opt("patterns")
        self.rx = compile_regex(pats[0] if len(pats) == 1 else "|".join(f"(?:{p})" for p in pats))
        self.cap = self.opt("max_per_turn") or 0

    @classmethod
    def validate_rule(cls, rule, path):
        pats = rule.options.get("patterns") or []
        if not pats:
            raise RubricError(f"rule {rule.id!r}: patterns must list at least one RE2 pattern", path=path,
                              line=rule.line_of("patterns"), field=rule.key_path("patterns"))
        for j, p in enumerate(pats):
            field = rule.key_path(f"patterns[{j}]")
            rx = compile_regex(p, path=path, line=rule.line_of(f"patterns[{j}]"), field=field)
            if rx.search("") is not None:
                raise RubricError(f"pattern {p!r} matches the empty string, so it would flag every turn",
                                  path=path, line=rule.line_of(f"patterns[{j}]"), field=field,
                                  hint="use + instead of * or anchor the pattern to real text")

    def check(self, conv):
        out = NO_FINDINGS
        texts = conv.texts
        search = self.rx.finditer
        cap = self.cap
        for i in conv.turns_in_scope(self.rule):
            n = 0
            for m in search(texts[i]):
                s, e = m.span()
                if s == e:
                    continue
                if out is NO_FINDINGS:
                    out = self.outcome()
                out.findings.append(self.span_finding(conv, i, (s, e)))
                n += 1
                if cap and n >= cap:
                    break
        return out

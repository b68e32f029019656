"""``token-pattern``: spaCy ``Matcher`` patterns over word tokens, for rules that need word boundaries
or wildcards (我 + up to 3 tokens + 能/会/管).

Patterns are written in spaCy's own JSON format (https://spacy.io/usage/rule-based-matching): a
pattern is a list of token specs such as ``{LOWER: 我}``, ``{OP: "{0,3}"}``,
``{ORTH: {IN: [能, 会, 管]}}``. Tokens come from the normalised text: jieba words for Chinese
(turned into a ``Doc`` of ``spacy.blank("zh")``), spaCy's rule-based tokenizer for other languages.
There is no trained model, so attributes that need one (POS, LEMMA, DEP, ENT_TYPE …) are rejected at
load time. spaCy and jieba are imported only when a rubric has such a rule.

All token-pattern rules of a rubric share one ``Matcher``: a turn is tokenised and matched at most
once, whichever rules ask for it. Overlapping matches of one rule keep the longest.
"""

from __future__ import annotations

from typing import Any

from qa.errors import RubricError, did_you_mean
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.text.tokens import spacy_blank

# token attributes that only a trained pipeline fills in; on spacy.blank they never match
MODEL_ATTRS = {"POS", "TAG", "MORPH", "LEMMA", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID", "SENT_START",
               "IS_SENT_START", "HEAD"}
TOKEN_ATTRS = ("ORTH", "TEXT", "NORM", "LOWER", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER",
               "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE",
               "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL",
               "SHAPE", "PREFIX", "SUFFIX", "OP", "_")
_CACHE_KEY = "token-pattern.matcher"


def _language(ctx_or_rubric) -> str:
    return getattr(getattr(ctx_or_rubric, "rubric", ctx_or_rubric), "language", "zh")


class SharedMatcher:
    """One spaCy Matcher for every token-pattern rule of a compiled rubric."""

    def __init__(self, language: str):
        from spacy.matcher import Matcher

        self.language = language
        self.zh = language.startswith("zh")
        self.nlp = spacy_blank(language)
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        self.filters: list[tuple[frozenset[str], ...]] = []
        self.always = False  # some pattern has no literal token, so every turn must be tokenised

    def add(self, key: str, patterns: list) -> None:
        self.matcher.add(key, patterns, greedy="LONGEST")
        for pattern in patterns:
            needed = required_literals(pattern)
            if needed:
                self.filters.append(needed)
            else:
                self.always = True

    def may_match(self, text: str) -> bool:
        """False when no pattern can match ``text``: a token every match needs does not occur in it.

        Tokens are substrings of the text, so this skips tokenising most turns (jieba is the cost)."""
        if self.always:
            return True
        low = text.lower()
        return any(all(any(a in low for a in alts) for alts in f) for f in self.filters)

    def turn_matches(self, conv, turn: int) -> dict[str, list[tuple[int, int]]]:
        """``{rule key: [(start, end) in normalised text]}`` for one turn, computed once per conversation."""
        cache: dict[int, Any] = conv.cache.setdefault(_CACHE_KEY, {})
        got = cache.get(turn)
        if got is not None:
            return got
        from spacy.tokens import Doc

        text = conv.texts[turn]
        if not self.may_match(text):
            cache[turn] = {}
            return cache[turn]
        if self.zh:
            toks = conv.tokens(turn)
            if not toks:
                cache[turn] = {}
                return cache[turn]
            words = [t[0] for t in toks]
            spaces = [toks[k][2] < toks[k + 1][1] for k in range(len(toks) - 1)] + [False]
            doc = Doc(self.nlp.vocab, words=words, spaces=spaces)
            offsets = [(t[1], t[2]) for t in toks]
        else:
            doc = self.nlp.make_doc(text)
            offsets = [(t.idx, t.idx + len(t)) for t in doc]
        strings = self.nlp.vocab.strings
        got = {}
        for match_id, s, e in self.matcher(doc):
            got.setdefault(strings[match_id], []).append((offsets[s][0], offsets[e - 1][1]))
        for spans in got.values():
            spans.sort()
        cache[turn] = got
        return got


class TokenPatternChecker(Checker):
    name = "token-pattern"
    description = "Flags spaCy Matcher token patterns (jieba words for zh) in the scoped turns."
    span_findings = True
    options = {
        "patterns": Option(list, required=True,
                           doc="spaCy Matcher patterns: a list of patterns, each a list of token specs"),
        "max_per_turn": Option(int, default=0, doc="report at most this many matches per turn (0 = all)"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        shared = ctx.cache.get(_CACHE_KEY)
        if shared is None:
            shared = ctx.cache[_CACHE_KEY] = SharedMatcher(_language(ctx))
        self.shared = shared
        self.key = f"{rule.id}"
        shared.add(self.key, _as_patterns(self.opt("patterns")))
        self.cap = self.opt("max_per_turn") or 0

    @classmethod
    def validate_rule(cls, rule, path):
        raw = rule.options.get("patterns")
        patterns = _as_patterns(raw)
        where = rule.key_path("patterns")
        if not patterns:
            raise RubricError(f"rule {rule.id!r}: patterns must hold at least one pattern", path=path,
                              line=rule.line_of("patterns"), field=where)
        wrapped = patterns is not raw
        for j, pat in enumerate(patterns):
            line = rule.line_of("patterns" if wrapped else f"patterns[{j}]")
            pfield = where if wrapped else f"{where}[{j}]"
            if not isinstance(pat, list) or not pat or not all(isinstance(t, dict) for t in pat):
                raise RubricError("a token pattern is a non-empty list of token specs such as {LOWER: 我}",
                                  path=path, line=line, field=pfield)
            for k, spec in enumerate(pat):
                for attr in spec:
                    name = str(attr).upper()
                    if name in MODEL_ATTRS:
                        raise RubricError(f"token attribute {attr!r} needs a trained spaCy model; qa matches on "
                                          "spacy.blank tokens", path=path, line=line, field=f"{pfield}[{k}].{attr}",
                                          hint="use ORTH/LOWER/IN/REGEX/LENGTH/IS_* attributes")
                    if name not in TOKEN_ATTRS:
                        raise RubricError(f"unknown token attribute {attr!r}", path=path, line=line,
                                          field=f"{pfield}[{k}].{attr}",
                                          hint=did_you_mean(name, TOKEN_ATTRS)
                                          or f"attributes: {', '.join(TOKEN_ATTRS)}")
            _validate_with_spacy(pat, rule, path, line, pfield)

    def check(self, conv):
        out = NO_FINDINGS
        key = self.key
        cap = self.cap
        turn_matches = self.shared.turn_matches
        for i in conv.turns_in_scope(self.rule):
            spans = turn_matches(conv, i).get(key)
            if not spans:
                continue
            if out is NO_FINDINGS:
                out = self.outcome()
            last_end = -1
            n = 0
            for s, e in spans:
                if s < last_end:
                    continue
                out.findings.append(self.span_finding(conv, i, (s, e)))
                last_end = e
                n += 1
                if cap and n >= cap:
                    break
        return out


_LITERAL_ATTRS = ("ORTH", "TEXT", "LOWER")  # not NORM: spaCy normalises "n't" to "not"


def _min_count(op) -> int:
    """How many times a token spec with this OP must occur at least."""
    if op is None or op in ("+", "!+"):
        return 0 if op == "!+" else 1
    if isinstance(op, str) and op.startswith("{"):
        low = op.strip("{}").split(",")[0]
        return int(low) if low.isdigit() else 0
    return 0  # ?, *, !


def required_literals(pattern: list) -> tuple[frozenset[str], ...]:
    """For each token every match must contain and that names its text (ORTH/TEXT/LOWER as a
    string or IN list), the lower-cased alternatives. Empty when the pattern names no such token."""
    out = []
    for spec in pattern:
        if not isinstance(spec, dict) or _min_count(spec.get("OP")) < 1:
            continue
        for attr, value in spec.items():
            if str(attr).upper() not in _LITERAL_ATTRS:
                continue
            if isinstance(value, str) and value:
                out.append(frozenset([value.lower()]))
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list) and \
                    value["IN"] and all(isinstance(v, str) and v for v in value["IN"]):
                out.append(frozenset(v.lower() for v in value["IN"]))
    return tuple(out)


def _as_patterns(raw) -> list:
    """Accept one pattern (a list of token dicts) or a list of patterns."""
    if isinstance(raw, list) and raw and all(isinstance(t, dict) for t in raw):
        return [raw]
    return raw or []


def _validate_with_spacy(pattern: list, rule, path, line, field) -> None:
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    nlp = spacy_blank("xx")
    try:
        Matcher(nlp.vocab, validate=True).add("check", [pattern])
    except MatchPatternError as exc:
        detail = "; ".join(ln.strip("- ").replace("pattern -> ", "token ")
                           for ln in str(exc).splitlines() if ln.strip().startswith("- ["))
        raise RubricError(f"invalid spaCy token pattern: {detail or exc}", path=path, line=line, field=field,
                          hint="see https://spacy.io/usage/rule-based-matching#adding-patterns-attributes") from None
    except (ValueError, TypeError) as exc:
        raise RubricError(f"invalid spaCy token pattern: {exc}", path=path, line=line, field=field) from None

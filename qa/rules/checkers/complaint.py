"""``complaint-type``: which complaints a customer made, in which message, with evidence and a confidence.

A rule holds one lexicon per complaint type — phrases (and regular expressions) that state a failure
(还没到, 坏了, 多扣了) with a weight — a cue lexicon of words that express dissatisfaction (投诉, 怎么还没,
"ridiculous"), negation words, question markers and hypothetical markers. Every phrase goes into the
rubric's one phrase automaton, so typing costs no extra scan.

Each customer message (each turn in the rule's scope) is read on its own:

1. A type phrase is dropped when a negation stands right before it in its clause (没有坏), when its clause
   is hypothetical (如果坏了, 会不会坏), or when its clause is a plain question (能退吗？) with no cue in it.
   Rhetorical questions carry a cue (怎么还没到？) and count.
2. The message's cue weight adds the conversation's structure: asking again what was asked before, after
   the agent answered (a repeated request), and chasing a pending request (在吗？ 人呢？).
3. A type is found in the message when its score (the sum of its surviving weights, each phrase once)
   reaches ``strong``, or reaches ``threshold`` with a cue. Weights below 1 are topic words: they add up
   but never find a type alone. So 怎么退货？ is a request and 退款申请一周了钱还没退 a complaint.
4. Dissatisfaction with no type of its own (cue weight ≥ ``other_threshold``: 我要投诉, a third chase)
   takes the type of the matter talked about in the last ``context_turns`` turns, or ``other``.

The conversation gets one label per type found: the first message that shows it is its evidence turn,
its confidence is the highest of its messages'. A rule may also point at a model trained with
``qa classify train`` (``model:``, ``mode: model | combined``), applied to each message the same way.
Output: one finding per type (tags from the rule plus ``complaint.<type>``) and ``labels.complaint_types``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from qa.errors import QAError, RubricError, did_you_mean
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.text.normalize import normalize_phrase
from qa.rules.text.sentences import enclosing

CLAUSE_END = frozenset("。！？!?；;…~\n，,、")
QUESTION_END = frozenset("?？")
SENTENCE_END = frozenset("。！？!?\n")
TYPE_KEYS = {"title", "source", "keywords", "patterns", "subjects", "demands", "enabled", "examples", "why"}
STRUCTURE_KEYS = {"repeat", "chase"}
TYPED = ("keyword", "failure", "demand")
_BARE_MARKS = re.compile(r"(^|\s)[?？!！]+(\s|$)")
#: A turn names a matter when its phrases of one type weigh this much (a subject, or topic words together).
CONTEXT_WEIGHT = 0.5  # evidence kinds that name a type (cues and structure do not)


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass
class Lexicon:
    """A phrase → weight table registered as one automaton group."""

    group: int
    weights: dict[str, float]
    stems: frozenset[str] = frozenset()
    #: Some phrase starts or ends with an ASCII letter/digit, so its hits need a word-boundary check.
    ascii_edges: bool = True

    def weight(self, phrase: str) -> float:
        return self.weights.get(phrase, 0.0)


@dataclass
class TypeSpec:
    id: str
    title: str
    source: str | None
    lexicon: Lexicon | None
    patterns: list[tuple[re.Pattern, float]] = field(default_factory=list)
    demands: Lexicon | None = None
    examples: list[str] = field(default_factory=list)



@dataclass
class Hit:
    """One piece of evidence in a customer message (spans in normalised text)."""

    turn: int
    start: int
    end: int
    text: str
    kind: str            # keyword | pattern | failure | demand | cue | repeat | chase
    weight: float
    at: int = -1         # where negation and clause are judged (a failure's predicate); -1: start

    @property
    def anchor(self) -> int:
        return self.start if self.at < 0 else self.at


@dataclass
class TurnTypes:
    """What one customer message shows: type → (score, hits), and its cues."""

    turn: int
    types: dict[str, tuple[float, list[Hit]]]
    cues: list[Hit]

    @property
    def cue_weight(self) -> float:
        return sum(h.weight for h in self.cues)


def parse_weights(value: Any, where: str, path: str | None, line: int | None) -> dict[str, float]:
    """A lexicon as written in YAML — a list of phrases (weight 1) or a phrase → weight mapping."""
    if value is None:
        return {}
    if isinstance(value, list):
        items = [(v, 1.0) for v in value]
    elif isinstance(value, dict):
        items = list(value.items())
    else:
        raise RubricError("expected a list of phrases or a mapping phrase: weight", path=path, line=line,
                          field=where)
    out: dict[str, float] = {}
    for phrase, w in items:
        if not isinstance(phrase, str) or not phrase.strip():
            raise RubricError(f"phrase {phrase!r} must be a non-empty string", path=path, line=line, field=where)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0:
            raise RubricError(f"weight of {phrase!r} must be a positive number, got {w!r}", path=path,
                              line=line, field=where)
        out[phrase.strip()] = float(w)
    return out


def compile_patterns(value: Any, where: str, path: str | None, line: int | None) -> list[tuple[re.Pattern, float]]:
    """``patterns:`` — regular expressions (on normalised text) with weights, like ``keywords``."""
    out = []
    for rx, w in parse_weights(value, where, path, line).items():
        try:
            out.append((re.compile(rx), w))
        except re.error as exc:
            raise RubricError(f"pattern {rx!r} is not a valid regular expression: {exc}", path=path, line=line,
                              field=where) from None
    return out


class ComplaintTypeChecker(Checker):
    name = "complaint-type"
    description = "Labels complaint types per customer message (lexicons, conversation structure, optional model)."
    span_findings = False
    options = {
        "types": Option(dict, required=True,
                        doc="type id → {title, source, keywords: {phrase: weight}, patterns: {regex: weight}, "
                            "examples}"),
        "cues": Option((dict, list), default=None,
                       doc="dissatisfaction cues (phrase: weight or list); a weak type needs one"),
        "negations": Option(list, default=[], item=str, doc="words that cancel a keyword right after them"),
        "negation_window": Option(int, default=4, doc="characters between a negation and the keyword"),
        "question_markers": Option(list, default=[], item=str,
                                   doc="words that make a clause a question (能不能, is it); '?' always does"),
        "hypotheticals": Option(list, default=[], item=str,
                                doc="words that make a clause a supposition (如果, 万一, 会不会): no type phrase "
                                    "in it counts, cue or not"),
        "question_patterns": Option(list, default=[], item=str,
                                    doc="regular expressions a question clause matches (its text, without the "
                                        "final punctuation): for question forms a word list cannot say"),
        "why_words": Option(list, default=[], item=str,
                            doc="question words that presuppose the failure (为什么没有物流 says there is none): a "
                                "failure in a why-question counts"),
        "why_patterns": Option(list, default=[], item=str,
                               doc="regular expressions for why-questions a word list cannot say (怎么…了)"),
        "own_fault": Option(list, default=[], item=str,
                            doc="words saying the customer caused it (填错, 摔坏): no failure in that clause counts"),
        "failures": Option((dict, list), default=None,
                           doc="predicates stating that something went wrong (还没到账, 不更新, 错了) with weights; "
                               "typed by a type's subject in the same clause"),
        "threshold": Option(float, default=1.0, doc="type score needed, with a cue, to label the type"),
        "strong": Option(float, default=2.0, doc="type score that labels the type even without a cue"),
        "other_threshold": Option(float, default=2.0,
                                  doc="cue weight of a message that is a complaint without a type of its own"),
        "context_turns": Option(int, default=0,
                                doc="an untyped complaint takes the type talked about in this many turns before "
                                    "it (0: always 'other')"),
        "cue_scope": Option(str, default="turn", choices=("turn", "conversation"),
                            doc="where a cue must be to support a keyword"),
        "structure": Option(dict, default=None,
                            doc="{repeat: {weight, min_chars, similarity, ignore}, chase: {phrases, pending, "
                                "weight, repeated}}: cues from the conversation's structure"),
        "model": Option(str, default=None, doc="model file from `qa classify train` (relative to the rubric)"),
        "mode": Option(str, default="keywords", choices=("keywords", "model", "combined"),
                       doc="keywords, model, or combined (union; confidence is the maximum)"),
        "model_threshold": Option(float, default=None,
                                  doc="probability at which the model labels a type (default: the model's own "
                                      "per-type thresholds)"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        path = ctx.rubric.path
        self.types: list[TypeSpec] = []
        for tid, spec in self.opt("types").items():
            if spec.get("enabled", True) is False:
                continue
            where = f"{rule.id}.types.{tid}"
            weights = parse_weights(spec.get("keywords"), f"{where}.keywords", path, rule.line)
            demands = parse_weights(spec.get("demands"), f"{where}.demands", path, rule.line)
            self.types.append(TypeSpec(str(tid), str(spec.get("title", tid)), spec.get("source"),
                                       self._lexicon(weights) if weights else None,
                                       compile_patterns(spec.get("patterns"), f"{where}.patterns", path, rule.line),
                                       self._lexicon(demands) if demands else None,
                                       [str(x) for x in spec.get("examples", []) or []]))
        subjects: dict[str, float] = {}
        self.subject_type: dict[str, str] = {}
        for tid, spec in self.opt("types").items():
            if spec.get("enabled", True) is False:
                continue
            for phrase in _phrase_list(spec.get("subjects"), f"{rule.id}.types.{tid}.subjects", path, rule.line):
                subjects[phrase] = 1.0
                self.subject_type.setdefault(self._norm(phrase), str(tid))
        self.subjects = self._lexicon(subjects) if subjects else None
        groups = {f"p{i}_{j}": (spec.id, rx, w) for i, spec in enumerate(self.types)
                  for j, (rx, w) in enumerate(spec.patterns)}
        self.pattern_scan = None
        if groups:
            self.pattern_scan = (re.compile("|".join(f"(?P<{g}>{rx.pattern})" for g, (_t, rx, _w) in groups.items())),
                                 {g: (tid, w) for g, (tid, _rx, w) in groups.items()})
        failures = parse_weights(self.opt("failures"), f"{rule.id}.failures", path, rule.line)
        self.failures = self._lexicon(failures) if failures else None
        cues = parse_weights(self.opt("cues"), f"{rule.id}.cues", path, rule.line)
        self.cues = self._lexicon(cues) if cues else None
        self.negations = self._group(self.opt("negations"))
        self.questions = self._group(self.opt("question_markers"))
        self.hypotheticals = self._group(self.opt("hypotheticals"))
        self.why_words = self._group(self.opt("why_words"))
        self.why_patterns = [x[0] for x in compile_patterns(self.opt("why_patterns"), f"{rule.id}.why_patterns",
                                                            path, rule.line)]
        self.question_patterns = [x[0] for x in compile_patterns(self.opt("question_patterns"),
                                                                 f"{rule.id}.question_patterns", path, rule.line)]
        self.own_fault = self._group(self.opt("own_fault"))
        self.titles = {t.id: t.title for t in self.types}
        self.negation_window = self.opt("negation_window")
        self.threshold = self.opt("threshold")
        self.strong = self.opt("strong")
        self.other_threshold = self.opt("other_threshold")
        self.context_turns = self.opt("context_turns")
        self.cue_per_turn = self.opt("cue_scope") == "turn"
        self.clause_end = CLAUSE_END | ({" "} if ctx.rubric.language.startswith("zh") else set())
        self._structure(self.opt("structure") or {})
        self.model = None
        if self.opt("mode") != "keywords":
            self.model = _load_model(_model_path(self.opt("model"), path, rule), path, rule, ctx)

    def _group(self, words) -> Lexicon | None:
        return self._lexicon(dict.fromkeys(words, 1.0)) if words else None

    def _norm(self, phrase: str) -> str:
        from qa.rules.text.normalize import normalize_phrase

        return normalize_phrase(phrase.rstrip("*"), self.ctx.normalize)

    def _lexicon(self, weights: dict[str, float]) -> Lexicon:
        norm: dict[str, float] = {}
        stems = set()
        for phrase, w in weights.items():
            stem = phrase.endswith("*")
            p = normalize_phrase(phrase.rstrip("*"), self.ctx.normalize)
            if not p:
                continue
            norm[p] = max(norm.get(p, 0.0), w)
            if stem:
                stems.add(p)
        group = self.ctx.add_phrases(list(norm))
        edges = any(_ascii_word(p[0]) or _ascii_word(p[-1]) for p in self.ctx.phrases.phrases(group))
        return Lexicon(group, norm, frozenset(stems), edges)

    def _structure(self, spec: dict) -> None:
        from qa.rules.text.normalize import normalize_phrase

        rep = spec.get("repeat")
        self.repeat = None
        if rep:
            self.repeat = {"weight": float(rep.get("weight", 1.0)), "min_chars": int(rep.get("min_chars", 5)),
                           "similarity": float(rep.get("similarity", 0.7)),
                           "ignore": frozenset(normalize_phrase(x, self.ctx.normalize) for x in rep.get("ignore", ()))}
        ch = spec.get("chase")
        self.chase = None
        if ch:
            phrases = frozenset(normalize_phrase(x, self.ctx.normalize) for x in ch.get("phrases", ()))
            words = [p for p in phrases if any(c.isalnum() for c in p)]
            self.chase = {"phrases": phrases, "words": self.ctx.add_phrases(words) if words else None,
                          "weight": float(ch.get("weight", 1.0)),
                          "repeated": float(ch.get("repeated", ch.get("weight", 1.0))),
                          "pending": self.ctx.add_phrases(ch.get("pending", ())) if ch.get("pending") else None}

    @classmethod
    def validate_rule(cls, rule, path):
        types = rule.options.get("types") or {}
        if not types:
            raise RubricError("complaint-type needs at least one type", path=path, line=rule.line,
                              field=f"{rule.id}.types")
        for tid, spec in types.items():
            where = f"{rule.id}.types.{tid}"
            if not isinstance(spec, dict):
                raise RubricError("a type is a mapping {title, keywords, …}", path=path, line=rule.line,
                                  field=where)
            unknown = set(spec) - TYPE_KEYS
            if unknown:
                key = sorted(map(str, unknown))[0]
                raise RubricError(f"unknown key {key!r}", path=path, line=rule.line, field=f"{where}.{key}",
                                  hint=did_you_mean(key, TYPE_KEYS) or f"allowed: {', '.join(sorted(TYPE_KEYS))}")
            parse_weights(spec.get("keywords"), f"{where}.keywords", path, rule.line)
            parse_weights(spec.get("demands"), f"{where}.demands", path, rule.line)
            _phrase_list(spec.get("subjects"), f"{where}.subjects", path, rule.line)
            compile_patterns(spec.get("patterns"), f"{where}.patterns", path, rule.line)
            ex = spec.get("examples", [])
            if not isinstance(ex, list) or not all(isinstance(x, str) for x in ex):
                raise RubricError("examples must be a list of customer sentences", path=path, line=rule.line,
                                  field=f"{where}.examples")
        parse_weights(rule.options.get("cues"), f"{rule.id}.cues", path, rule.line)
        parse_weights(rule.options.get("failures"), f"{rule.id}.failures", path, rule.line)
        structure = rule.options.get("structure") or {}
        unknown = set(structure) - STRUCTURE_KEYS
        if unknown:
            key = sorted(map(str, unknown))[0]
            raise RubricError(f"unknown key {key!r}", path=path, line=rule.line, field=f"{rule.id}.structure.{key}",
                              hint=did_you_mean(key, STRUCTURE_KEYS) or f"allowed: {', '.join(sorted(STRUCTURE_KEYS))}")
        for key, value in structure.items():
            if not isinstance(value, dict):
                raise RubricError("expected a mapping", path=path, line=rule.line, field=f"{rule.id}.structure.{key}")
        o = rule.options
        if o.get("strong", 2.0) < o.get("threshold", 1.0):
            raise RubricError(f"strong ({o['strong']}) is below threshold ({o['threshold']})", path=path,
                              line=rule.line, field=f"{rule.id}.strong")
        if o.get("mode", "keywords") != "keywords" and not o.get("model"):
            raise RubricError(f"mode {o['mode']!r} needs a model file", path=path, line=rule.line,
                              field=f"{rule.id}.model", hint="train one with `qa classify train`")

    # -- matching -------------------------------------------------------------------------------

    def _hits(self, conv, lex: Lexicon | None, scoped) -> list[tuple[int, int, int, str]]:
        """Surviving-boundary hits ``(turn, start, end, phrase)``, longest first where they overlap."""
        if lex is None:
            return []
        hits = conv.hits.get(lex.group)
        if not hits:
            return []
        raw = [h for h in hits if h[0] in scoped]
        raw.sort(key=_longest_first)
        texts = conv.texts
        edges = lex.ascii_edges
        out: list[tuple[int, int, int, str]] = []
        for t, s, e in raw:
            text = texts[t]
            phrase = text[s:e]
            if edges:
                if _ascii_word(phrase[0]) and s > 0 and _ascii_word(text[s - 1]):
                    continue
                if (_ascii_word(phrase[-1]) and e < len(text) and _ascii_word(text[e])
                        and phrase not in lex.stems):
                    continue
            if out and out[-1][0] == t and s < out[-1][2]:
                continue
            out.append((t, s, e, phrase))
        return out

    def _type_hits(self, conv, spec: TypeSpec, scoped) -> list[Hit]:
        out = [Hit(t, s, e, p, "keyword", spec.lexicon.weight(p)) for t, s, e, p in self._hits(conv, spec.lexicon, scoped)]
        if spec.demands is not None:
            out += [Hit(t, s, e, p, "demand", spec.demands.weight(p))
                    for t, s, e, p in self._hits(conv, spec.demands, scoped)]
        return out

    def _pattern_hits(self, conv, scoped) -> dict[str, list[Hit]]:
        """Every type's patterns in one regular-expression scan per message (where two patterns match overlapping
        text the leftmost wins: one statement, one piece of evidence)."""
        out: dict[str, list[Hit]] = {}
        if self.pattern_scan is None:
            return out
        rx, groups = self.pattern_scan
        texts = conv.texts
        for t in sorted(scoped):
            for m in rx.finditer(texts[t]):
                if m.end() > m.start():
                    tid, w = groups[m.lastgroup]
                    out.setdefault(tid, []).append(Hit(t, m.start(), m.end(), m.group(0), "pattern", w))
        return out

    def _failure_hits(self, conv, scoped) -> dict[str | None, list[Hit]]:
        """Stated failures typed by their subject: 退款+还没到账 → refund_return, 发票+错了 → other.

        The subject is the type subject nearest the predicate in its clause (before it, else after), else the
        last one in the clause before. A predicate about nothing the rule names (怎么到今天还没打印) is listed
        under ``None``: it adds to the message's dissatisfaction when a cue is there too, and the complaint takes
        the type of the matter talked about.
        """
        fails = self._hits(conv, self.failures, scoped)
        if not fails:
            return {}
        subj_by_turn = _by_turn(self._hits(conv, self.subjects, scoped))
        texts = conv.texts
        out: dict[str, list[Hit]] = {}
        for t, fs, fe, phrase in fails:
            subs = subj_by_turn.get(t)
            text = texts[t]
            if not subs:
                out.setdefault(None, []).append(Hit(t, fs, fe, phrase, "failure", self.failures.weight(phrase)))
                continue
            cs, ce = self._clause(text, fs, fe)
            before = [x for x in subs if cs <= x[1] and x[2] <= fe and x[1] < fs]
            after = [x for x in subs if fs <= x[1] < ce]
            if before:
                sub = max(before, key=lambda x: x[2])
            elif after:
                sub = min(after, key=lambda x: x[1])
            else:
                ps = self._clause(text, cs - 1, cs - 1)[0] if cs > 1 else cs
                prev = [x for x in subs if ps <= x[1] and x[2] <= cs]
                if not prev:
                    out.setdefault(None, []).append(Hit(t, fs, fe, phrase, "failure", self.failures.weight(phrase)))
                    continue
                sub = max(prev, key=lambda x: x[2])
            tid = self.subject_type.get(sub[3])
            if tid is None:
                continue
            s, e = min(sub[1], fs), max(sub[2], fe)
            if sub[2] <= cs:   # subject in the clause before: the evidence is the predicate's clause
                s = fs
            out.setdefault(tid, []).append(Hit(t, s, e, text[s:e], "failure", self.failures.weight(phrase), fs))
        return out

    def _clause(self, text: str, start: int, end: int) -> tuple[int, int]:
        return enclosing(text, start, end, self.clause_end)

    def _negated(self, negs, s: int, clause_start: int) -> bool:
        """A negation word ends at most ``negation_window`` characters before ``s``, in the same clause."""
        window = self.negation_window
        return any(ne <= s and ns >= clause_start and s - ne <= window for _nt, ns, ne, _ in negs)

    def _turn_types(self, conv, scoped) -> dict[int, TurnTypes]:
        """Per scoped customer message: the types its surviving phrases show, and its cues."""
        neg_by_turn = _by_turn(self._hits(conv, self.negations, scoped))
        q_by_turn = _by_turn(self._hits(conv, self.questions, scoped))
        hyp_by_turn = _by_turn(self._hits(conv, self.hypotheticals, scoped))
        why_by_turn = _by_turn(self._hits(conv, self.why_words, scoped))
        own_by_turn = _by_turn(self._hits(conv, self.own_fault, scoped))
        texts = conv.texts
        cue_hits: dict[int, list[Hit]] = {}
        for t, s, e, p in self._hits(conv, self.cues, scoped):
            cue = Hit(t, s, e, p, "cue", self.cues.weight(p))
            if not self._discounted(texts[t], cue, neg_by_turn, hyp_by_turn, {}):
                cue_hits.setdefault(t, []).append(cue)
        type_hits = {spec.id: self._type_hits(conv, spec, scoped) for spec in self.types}
        for tid, hs in self._pattern_hits(conv, scoped).items():
            type_hits[tid].extend(hs)
        evidence_turns = set(cue_hits) | {h.turn for hs in type_hits.values() for h in hs}
        for sig in self._structure_signals(conv, scoped, evidence_turns):
            cue_hits.setdefault(sig.turn, []).append(sig)
        failures = self._failure_hits(conv, scoped)
        for h in failures.pop(None, ()):
            cues = cue_hits.get(h.turn)
            if cues and any(c.kind == "cue" for c in cues) and not self._discounted(texts[h.turn], h, neg_by_turn,
                                                                                   hyp_by_turn, own_by_turn):
                cues.append(h)
        for tid, hs in failures.items():
            type_hits.setdefault(tid, []).extend(hs)
        spans_by_turn: dict[int, list[tuple[int, int, str, bool]]] = {}
        for tid, hs in type_hits.items():
            for h in hs:
                spans_by_turn.setdefault(h.turn, []).append((h.start, h.end, tid, h.kind == "failure"))

        def outranked(tid, h: Hit) -> bool:
            """An overlapping longer phrase of another type wins (退款还没到 ⊃ 还没到); at equal length, a failure
            typed by the subject it names wins over a type's own phrase (退款…没有反应 is not a defect)."""
            spans = spans_by_turn[h.turn]
            if len(spans) > 1:
                mine = h.end - h.start
                for os_, oe, otid, named in spans:
                    if otid != tid and os_ < h.end and h.start < oe and (
                            oe - os_ > mine or (oe - os_ == mine and named and h.kind != "failure")):
                        return True
            return False

        def inside(hits, cs, ce) -> bool:
            return any(cs <= x[1] and x[2] <= ce for x in hits)

        def cue_inside(t, cs, ce) -> bool:
            return any(cs <= c.start and c.end <= ce for c in cue_hits.get(t, ()) if c.kind == "cue")

        out: dict[int, TurnTypes] = {}
        for tid in [spec.id for spec in self.types] + sorted(set(type_hits) - set(self.titles)):
            for h in type_hits.get(tid, ()):
                if outranked(tid, h):
                    continue
                t = h.turn
                text = texts[t]
                cs, ce = self._clause(text, h.anchor, max(h.anchor, h.end))
                if self._discounted(text, h, neg_by_turn, hyp_by_turn, own_by_turn):
                    continue
                if h.kind != "demand" and self._plain_question(text, h, cs, ce, q_by_turn.get(t, ()),
                                                               why_by_turn.get(t, ())) and not cue_inside(t, cs, ce):
                    continue
                tt = out.get(t)
                if tt is None:
                    tt = out[t] = TurnTypes(t, {}, cue_hits.get(t, []))
                _score, hits = tt.types.get(tid, (0.0, []))
                hits.append(h)
                tt.types[tid] = (_evidence_score(hits), hits)
        for t, cues in cue_hits.items():
            if t not in out:
                out[t] = TurnTypes(t, {}, cues)
        return out

    def _discounted(self, text: str, h: Hit, neg_by_turn, hyp_by_turn, own_by_turn) -> bool:
        """Negated (没有坏), supposed (如果坏了) or the customer's own doing (我摔坏的): not a stated failure."""
        cs, ce = self._clause(text, h.anchor, max(h.anchor, h.end))
        negs = neg_by_turn.get(h.turn)
        if negs and self._negated(negs, h.anchor, cs):
            return True
        return any(cs <= x[1] and x[2] <= ce for x in (*hyp_by_turn.get(h.turn, ()), *own_by_turn.get(h.turn, ())))

    def _plain_question(self, text: str, h: Hit, cs: int, ce: int, questions, whys) -> bool:
        """Whether ``h`` sits in a plain question (能退吗？ 会到吗), which asks rather than states.

        A clause with a question marker is one. A clause that only ends in "?" asks about a weak phrase but
        echoes a stated failure in disbelief (东西还没拿到就完成了?). A why-question anywhere in the sentence
        presupposes the failure (为什么还是预约发货 没有物流信息?), so a failure in it is stated, not asked.
        """
        marked = (any(cs <= q[1] and q[2] <= ce for q in questions)
                  or any(rx.search(text, cs, ce) for rx in self.question_patterns))
        bare = ce < len(text) and text[ce] in QUESTION_END
        if not marked and not (bare and h.weight < self.strong):
            return False
        if h.weight >= self.threshold and (whys or self.why_patterns):
            ss, se = enclosing(text, h.anchor, h.end, SENTENCE_END)
            if any(ss <= w[1] and w[2] <= se for w in whys) or any(rx.search(text, ss, se) for rx in self.why_patterns):
                return False
        return True

    def _structure_signals(self, conv, scoped, evidence_turns: set[int]) -> list[Hit]:
        """Repeated requests (only where other evidence is: alone they never make a complaint) and chases."""
        if self.repeat is None and self.chase is None:
            return []
        from qa.classify import structure

        turns = [(t.role, conv.texts[i]) for i, t in enumerate(conv.conv.turns)]
        customer = set(scoped)
        out = []
        if self.repeat is not None:
            r = self.repeat
            only = evidence_turns & customer if r["weight"] < self.other_threshold else None
            for sig in structure.repeats(turns, customer, min_chars=r["min_chars"], min_similarity=r["similarity"],
                                         ignore=r["ignore"], only=only) if only is None or only else ():
                out.append(Hit(sig.turn, 0, len(conv.texts[sig.turn]), f"repeat:{sig.refers_to}", "repeat",
                               r["weight"]))
        if self.chase is not None and self._may_chase(conv, customer):
            c = self.chase
            phrases, pending = c["phrases"], c["pending"]

            def is_chase(message: str) -> bool:
                core = message.strip("?？!！。.,，~～ ")
                return not core or core in phrases

            def is_pending(i: int) -> bool:
                return pending is not None and conv.turn_has(pending, i)

            for sig in structure.chases(turns, customer, is_chase, is_pending, " " in self.clause_end):
                out.append(Hit(sig.turn, 0, len(conv.texts[sig.turn]), f"chase:{sig.count}", "chase",
                               c["weight"] if sig.count < 2 else c["repeated"]))
        return out

    def _may_chase(self, conv, customer: set[int]) -> bool:
        """Cheap test before reading chases: a chase word (在吗) or a message of bare question marks in scope."""
        words = self.chase["words"]
        if words is not None and any(h[0] in customer for h in conv.hits.get(words, ())):
            return True
        return any(_BARE_MARKS.search(conv.texts[t]) for t in customer)

    def _keyword_labels(self, conv, scoped, messages: dict[int, dict[str, tuple]]) -> dict[str, dict]:
        """Per type, the first message showing it (and the best confidence); every complaining message with its
        types goes into ``messages`` (turn → type → (confidence, hits, cues))."""
        per_turn = self._turn_types(conv, scoped)
        if not per_turn:
            return {}
        all_cues = [c for tt in per_turn.values() for c in tt.cues]
        found: dict[str, dict] = {}
        untyped: list[tuple[int, float, list[Hit]]] = []
        for t in sorted(per_turn):
            tt = per_turn[t]
            cues = tt.cues if self.cue_per_turn else all_cues
            typed = False
            for tid, (score, hits) in tt.types.items():
                if max(h.weight for h in hits) < 1.0:
                    continue  # topic words (weight < 1) support a type but never label it alone
                if score < self.threshold or (not cues and score < self.strong):
                    continue
                typed = True
                self._add(found, messages, tid, t, score, hits, cues)
            if not typed:
                if self._untyped_complaint(tt.cues):
                    untyped.append((t, sum({(c.text, c.kind): c.weight for c in tt.cues}.values()), tt.cues))
        for t, cue_score, cues in untyped:
            earlier = [k for k, v in found.items() if v["turn"] <= t]
            if earlier:  # more dissatisfaction with a matter already complained about
                tid = max(earlier, key=lambda k: found[k]["turn"])
            else:
                tid = self._context_type(conv, t)
                if tid is None and found:
                    tid = min(found, key=lambda k: found[k]["turn"])  # a later message names the matter
                    messages.setdefault(t, {})[tid] = (_confidence(cue_score, cues), [], cues)
                    continue  # 'other' only when no type fits
            self._add(found, messages, tid or "other", t, cue_score, [], cues)
        return found

    def _untyped_complaint(self, cues: list[Hit]) -> bool:
        """Dissatisfaction strong enough without a type: cue weight ≥ ``other_threshold``, with a word cue of
        weight ≥ 1 or a structure signal that reaches the threshold alone (a repeated chase). Weak cues ("!")
        and a single chase intensify a complaint but never make one on their own."""
        distinct = {(c.text, c.kind): c for c in cues}
        if sum(c.weight for c in distinct.values()) < self.other_threshold:
            return False
        return any(c.weight >= (1.0 if c.kind == "cue" else self.other_threshold) for c in distinct.values())

    def _add(self, found, messages, tid, turn, score, hits, cues) -> None:
        confidence = _confidence(score, cues)
        messages.setdefault(turn, {})[tid] = (confidence, hits, cues)
        prev = found.get(tid)
        if prev is None:
            found[tid] = {"turn": turn, "score": score, "confidence": confidence, "keywords": hits, "cues": cues}
        elif confidence > prev["confidence"]:
            prev["confidence"] = confidence
            prev["score"] = max(prev["score"], score)

    def _context_type(self, conv, turn: int) -> str | None:
        """The type of the matter talked about: the type whose phrases or subjects (any weight, either side) weigh
        most in ``turn`` itself, else in the nearest of the ``context_turns`` turns before it that names one."""
        if not self.context_turns:
            return None
        for t in range(turn, max(-1, turn - self.context_turns - 1), -1):
            weights: dict[str, float] = {}
            only = {t}
            for spec in self.types:
                if spec.lexicon is not None:
                    w = sum(spec.lexicon.weight(p) for *_x, p in self._hits(conv, spec.lexicon, only))
                    if w:
                        weights[spec.id] = w
            for *_x, p in self._hits(conv, self.subjects, only):
                tid = self.subject_type.get(p)
                if tid is not None:
                    weights[tid] = weights.get(tid, 0.0) + 0.5
            if weights and max(weights.values()) >= CONTEXT_WEIGHT:
                return max(weights, key=lambda k: weights[k])
        return None

    # -- model --------------------------------------------------------------------------------------

    def _model_labels(self, conv, scoped_list: list[int], messages: dict[int, dict[str, tuple]]) -> dict[str, dict]:
        texts = [conv.texts[i] for i in scoped_list]
        if not texts:
            return {}
        probs = self.model.predict_proba(texts)
        out = {}
        limits = self.model.label_thresholds(self.opt("model_threshold"))
        for j, label in enumerate(self.model.labels):
            over = [k for k in range(len(texts)) if probs[k][j] >= limits[j]]
            for k in over:
                seen = messages.setdefault(scoped_list[k], {}).get(label)
                if seen is None or seen[0] < probs[k][j]:
                    messages[scoped_list[k]][label] = (float(probs[k][j]), seen[1] if seen else [],
                                                       seen[2] if seen else [])
            if over:
                best = max(over, key=lambda k: probs[k][j])
                out[label] = {"probability": float(probs[best][j]), "turn": scoped_list[over[0]]}
        return out

    # -- outcome ------------------------------------------------------------------------------------

    def check(self, conv):
        scoped_list = conv.turns_in_scope(self.rule)
        scoped = conv.scope_set(self.rule)
        mode = self.opt("mode")
        messages: dict[int, dict[str, tuple]] = {}
        kw = self._keyword_labels(conv, scoped, messages) if mode != "model" else {}
        ml = self._model_labels(conv, scoped_list, messages) if mode != "keywords" else {}
        conv.cache[messages_key(self.rule.id)] = [self._reading(conv, t, messages[t]) for t in sorted(messages)]
        if not kw and not ml:
            return NO_FINDINGS
        out = self.outcome()
        labels = []
        for tid in [t.id for t in self.types] + sorted((set(kw) | set(ml)) - set(self.titles)):
            if tid not in kw and tid not in ml:
                continue
            entry, (turn, span) = self._entry(conv, tid, kw.get(tid), ml.get(tid))
            labels.append(entry)
            f = self.finding(conv, turn, span,
                             f"{self.rule.title}: {entry['title']}（{', '.join(self._evidence_words(entry))}）",
                             complaint_type=tid, confidence=entry["confidence"])
            f.tags = tuple(dict.fromkeys((*f.tags, f"complaint.{tid}")))
            out.findings.append(f)
        if labels:
            labels.sort(key=lambda x: -x["confidence"])
            out.labels["complaint_types"] = labels
        return out

    def _reading(self, conv, turn: int, types: dict[str, tuple]) -> MessageReading:
        """One complaining message: its types (strongest first), the span of its strongest phrase, its words."""
        order = sorted(types, key=lambda k: (-types[k][0], k))
        hits = [h for k in order for h in types[k][1]]
        spans = [c for k in order for c in types[k][2] if c.kind not in ("repeat", "chase")]
        best = max(hits, key=lambda h: h.weight) if hits else (spans[0] if spans else None)
        span = (best.start, best.end) if best is not None else (0, len(conv.texts[turn]))
        kinds = [c.kind for k in order for c in types[k][2] if c.kind in ("repeat", "chase")]
        words = list(dict.fromkeys([h.text for h in hits] + [c.text for c in spans]))[:4] or \
            [{"repeat": "再次询问", "chase": "催问"}[k] for k in dict.fromkeys(kinds)] or ["model"]
        return MessageReading(turn, tuple((k, round(types[k][0], 4)) for k in order), span, tuple(words))

    def _evidence_words(self, entry) -> list[str]:
        words = [e["text"] for e in entry["evidence"] if e.get("kind") not in ("model", "repeat", "chase")]
        if not words:
            kinds = [e["kind"] for e in entry["evidence"]]
            if "model" in kinds:
                return [f"model p={entry['model_probability']:.2f}"]
            return [{"repeat": "再次询问", "chase": "催问"}.get(k, k) for k in dict.fromkeys(kinds)]
        return list(dict.fromkeys(words))[:4]

    def _entry(self, conv, tid: str, kw: dict | None, ml: dict | None) -> tuple[dict, tuple]:
        evidence = []
        confidence = 0.0
        entry: dict[str, Any] = {"type": tid, "title": self.titles.get(tid, tid), "rule": self.rule.id}
        turn = min(x["turn"] for x in (kw, ml) if x)
        entry["turn"] = turn
        if kw:
            confidence = kw["confidence"]
            entry["score"] = round(kw["score"], 3)
            for h in (*kw["keywords"], *kw["cues"]):
                if h.kind in ("repeat", "chase"):
                    evidence.append({"turn": h.turn, "span": None, "text": "", "kind": h.kind, "weight": h.weight})
                    continue
                o = conv.norm[h.turn].to_original(h.start, h.end)
                item = {"turn": h.turn, "span": [o[0], o[1]], "text": conv.conv.turns[h.turn].text[o[0]:o[1]],
                        "kind": "keyword" if h.kind == "pattern" else h.kind}
                if h.kind != "cue":
                    item["weight"] = h.weight
                evidence.append(item)
        if ml:
            entry["model_probability"] = round(ml["probability"], 4)
            confidence = max(confidence, ml["probability"])
            t = ml["turn"]
            evidence.append({"turn": t, "span": [0, len(conv.conv.turns[t].text)], "text": conv.conv.turns[t].text,
                             "kind": "model", "probability": round(ml["probability"], 4)})
        entry["source"] = "+".join(k for k, v in (("keywords", kw), ("model", ml)) if v)
        entry["confidence"] = round(confidence, 4)
        entry["evidence"] = sorted(evidence, key=lambda e: (e["turn"] != turn, e["kind"] == "model",
                                                             e["kind"] not in TYPED, -e.get("weight", 0),
                                                             e["turn"], (e["span"] or [0])[0]))
        if kw and kw["keywords"]:
            best = max(kw["keywords"], key=lambda h: (h.weight, -h.turn))
            anchor = (best.turn, (best.start, best.end))
        elif kw and kw["turn"] == turn:
            spans = [c for c in kw["cues"] if c.kind == "cue"]
            anchor = (turn, (spans[0].start, spans[0].end)) if spans else (turn, (0, len(conv.texts[turn])))
        else:
            anchor = (turn, (0, len(conv.texts[turn])))
        return entry, anchor


def _confidence(score: float, cues) -> float:
    """A monotone squash of a message's evidence (not a probability): ``1 − 0.5^(score + 1 with a cue)``."""
    return 1.0 - 0.5 ** (score + (1.0 if cues else 0.0))


def messages_key(rule_id: str) -> str:
    """Where a complaint-type rule leaves its per-message readings in ``conv.cache`` for other rules."""
    return f"complaint-messages:{rule_id}"


@dataclass(frozen=True)
class MessageReading:
    """A customer message a complaint-type rule read as a complaint."""

    turn: int
    types: tuple[tuple[str, float], ...]   # (type, confidence), strongest first
    span: tuple[int, int]                  # the strongest phrase, in normalised text (the whole message if none)
    words: tuple[str, ...]                 # what showed it (phrases, cues, 催问/再次询问, model)


def _evidence_score(hits: list[Hit]) -> float:
    """The weight of a type's evidence in one message: each phrase once, and of phrases that overlap (还没有 and
    没有发货 in 还没有发货) only the heaviest, so one statement is not counted twice."""
    kept: list[Hit] = []
    seen: set[str] = set()
    for h in sorted(hits, key=lambda x: (-x.weight, x.start)):
        if h.text in seen or any(k.start < h.end and h.start < k.end for k in kept):
            continue
        seen.add(h.text)
        kept.append(h)
    return sum(h.weight for h in kept)


def _phrase_list(value: Any, where: str, path: str | None, line: int | None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise RubricError("expected a list of phrases", path=path, line=line, field=where)
    return [x.strip() for x in value]


def _longest_first(h: tuple[int, int, int]) -> tuple[int, int, int]:
    return h[0], h[1], h[1] - h[2]


def _by_turn(hits: list[tuple]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for h in hits:
        out.setdefault(h[0], []).append(h)
    return out


def _model_path(model_path: str | None, rubric_path: str | None, rule) -> str:
    if not model_path:
        raise RubricError(f"mode {rule.options.get('mode')!r} needs a model file", path=rubric_path, line=rule.line,
                          field=f"{rule.id}.model")
    p = model_path
    if not os.path.isabs(p) and rubric_path:
        cand = os.path.join(os.path.dirname(rubric_path), p)
        if os.path.exists(cand):
            p = cand
    if not os.path.exists(p):
        raise RubricError(f"model file {model_path!r} does not exist", path=rubric_path, line=rule.line,
                          field=f"{rule.id}.model", hint="train one with `qa classify train`")
    return p


def _load_model(p: str, rubric_path: str | None, rule, ctx):
    """Load (once per compiled rubric) and verify the model; scikit-learn is imported only here."""
    key = "complaint-model:" + os.path.abspath(p)
    if key not in ctx.cache:
        from qa.classify.model import load_model  # the classifier's module, only for a rule that uses a model

        try:
            ctx.cache[key] = load_model(p)
        except QAError as exc:
            raise RubricError(f"cannot use model {rule.options.get('model')!r}: {exc.message}", path=rubric_path,
                              line=rule.line, field=f"{rule.id}.model") from None
    return ctx.cache[key]

"""``complaint-type``: label what a customer complains about, with evidence.

A rule holds one keyword lexicon per complaint type (phrase → weight), a cue lexicon of words that
express dissatisfaction (投诉、差评、怎么还没、"ridiculous" …), negation words and question markers.
All of them go into the rubric's one phrase automaton, so typing costs no extra scan.

Per conversation, over the turns of the rule's scope (customer by default):

1. A keyword hit is dropped when a negation word stands right before it in the same clause
   (没有坏, "not broken"), or when its clause is a question (会不会坏, "is it broken?") without a cue
   in that clause.
2. A type's score is the sum of the weights of its surviving keywords (each phrase counted once per
   turn). A type is labelled when the score reaches ``threshold`` and the customer expressed
   dissatisfaction — a cue in the same turn (``cue_scope: turn``) or anywhere in scope
   (``conversation``) — or when the score alone reaches ``strong``. So 怎么退货? is a request,
   退款怎么还没到 is a complaint.
3. Dissatisfaction with no type (cue weight ≥ ``other_threshold``, e.g. 我要投诉) is labelled ``other``.

A rule may also point at a model trained with ``qa classify train`` (``model:``, ``mode: model`` or
``combined``). Results: one finding per type (tag ``complaint`` from the rule, plus
``complaint.<type>``) and ``labels.complaint_types`` entries with confidence and evidence.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from qa.errors import QAError, RubricError, did_you_mean
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.text.normalize import normalize_phrase
from qa.rules.text.sentences import enclosing

CLAUSE_END = frozenset("。！？!?；;…~\n，,、")
QUESTION_END = frozenset("?？")
TYPE_KEYS = {"title", "source", "keywords", "enabled", "examples", "why"}


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
    examples: list[str] = field(default_factory=list)


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


class ComplaintTypeChecker(Checker):
    name = "complaint-type"
    description = "Labels complaint types from customer keywords (+ optional trained model), with evidence."
    span_findings = False
    options = {
        "types": Option(dict, required=True,
                        doc="type id → {title, source, keywords: {phrase: weight} or [phrases], examples}"),
        "cues": Option((dict, list), default=None,
                       doc="dissatisfaction cues (phrase: weight or list); a weak type needs one"),
        "negations": Option(list, default=[], item=str, doc="words that cancel a keyword right after them"),
        "negation_window": Option(int, default=4, doc="characters between a negation and the keyword"),
        "question_markers": Option(list, default=[], item=str,
                                   doc="words that make a clause a question (会不会, is it); '?' always does"),
        "threshold": Option(float, default=1.0, doc="type score needed, with a cue, to label the type"),
        "strong": Option(float, default=2.0, doc="type score that labels the type even without a cue"),
        "other_threshold": Option(float, default=2.0,
                                  doc="cue weight that labels 'other' when no type is found"),
        "cue_scope": Option(str, default="turn", choices=("turn", "conversation"),
                            doc="where a cue must be to support a keyword"),
        "model": Option(str, default=None, doc="model file from `qa classify train` (relative to the rubric)"),
        "mode": Option(str, default="keywords", choices=("keywords", "model", "combined"),
                       doc="keywords, model, or combined (union; confidence is the maximum)"),
        "model_threshold": Option(float, default=0.5, doc="probability at which the model labels a type"),
    }

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        path = ctx.rubric.path
        self.types: list[TypeSpec] = []
        for tid, spec in self.opt("types").items():
            if spec.get("enabled", True) is False:
                continue
            weights = parse_weights(spec.get("keywords"), f"{rule.id}.types.{tid}.keywords", path, rule.line)
            self.types.append(TypeSpec(str(tid), str(spec.get("title", tid)), spec.get("source"),
                                       self._lexicon(weights) if weights else None,
                                       [str(x) for x in spec.get("examples", []) or []]))
        cues = parse_weights(self.opt("cues"), f"{rule.id}.cues", path, rule.line)
        self.cues = self._lexicon(cues) if cues else None
        negs = self.opt("negations") or []
        self.negations = self._lexicon(dict.fromkeys(negs, 1.0)) if negs else None
        qm = self.opt("question_markers") or []
        self.questions = self._lexicon(dict.fromkeys(qm, 1.0)) if qm else None
        self.titles = {t.id: t.title for t in self.types}
        self.negation_window = self.opt("negation_window")
        self.threshold = self.opt("threshold")
        self.strong = self.opt("strong")
        self.other_threshold = self.opt("other_threshold")
        self.cue_per_turn = self.opt("cue_scope") == "turn"
        self.model = None
        if self.opt("mode") != "keywords":
            self.model = _load_model(self.opt("model"), path, rule, ctx)

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
            ex = spec.get("examples", [])
            if not isinstance(ex, list) or not all(isinstance(x, str) for x in ex):
                raise RubricError("examples must be a list of customer sentences", path=path, line=rule.line,
                                  field=f"{where}.examples")
        parse_weights(rule.options.get("cues"), f"{rule.id}.cues", path, rule.line)
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

    @staticmethod
    def _clause(text: str, start: int, end: int) -> tuple[int, int]:
        return enclosing(text, start, end, CLAUSE_END)

    def _negated(self, conv, neg_by_turn: dict[int, list], t: int, s: int, clause_start: int | None = None) -> bool:
        """A negation word ends at most ``negation_window`` characters before ``s``, in the same clause."""
        negs = neg_by_turn.get(t)
        if not negs:
            return False
        cs = self._clause(conv.texts[t], s, s)[0] if clause_start is None else clause_start
        window = self.negation_window
        return any(ne <= s and ns >= cs and s - ne <= window for _nt, ns, ne, _ in negs)

    def _keyword_labels(self, conv, scoped) -> dict[str, dict]:
        neg_by_turn = _by_turn(self._hits(conv, self.negations, scoped))
        q_by_turn = _by_turn(self._hits(conv, self.questions, scoped))
        cue_hits = self._hits(conv, self.cues, scoped)
        if neg_by_turn:
            cue_hits = [h for h in cue_hits if not self._negated(conv, neg_by_turn, h[0], h[1])]
        cue_by_turn = _by_turn(cue_hits)
        texts = conv.texts

        type_hits = {spec.id: self._hits(conv, spec.lexicon, scoped) for spec in self.types}
        spans_by_turn: dict[int, list[tuple[int, int, str]]] = {}
        for tid, hs in type_hits.items():
            for h in hs:
                spans_by_turn.setdefault(h[0], []).append((h[1], h[2], tid))

        def outranked(tid, t, s, e):  # an overlapping longer phrase of another type wins (退款还没到 ⊃ 还没到)
            spans = spans_by_turn[t]
            if len(spans) > 1:
                for os_, oe, otid in spans:
                    if otid != tid and os_ < e and s < oe and oe - os_ > e - s:
                        return True
            return False

        def question_without_cue(t, s, e, cs, ce):
            text = texts[t]
            if not (ce < len(text) and text[ce] in QUESTION_END
                    or any(qs >= cs and qe <= ce for _qt, qs, qe, _ in q_by_turn.get(t, ()))):
                return False
            return not any(cs <= c_s and c_e <= ce for _ct, c_s, c_e, _ in cue_by_turn.get(t, ()))

        found: dict[str, dict] = {}
        for spec in self.types:
            kept = []
            weight = spec.lexicon.weight if spec.lexicon is not None else None
            for t, s, e, phrase in type_hits[spec.id]:
                if outranked(spec.id, t, s, e):
                    continue
                cs, ce = self._clause(texts[t], s, e)
                if self._negated(conv, neg_by_turn, t, s, cs):
                    continue
                if question_without_cue(t, s, e, cs, ce):
                    continue
                kept.append((t, s, e, phrase, weight(phrase)))
            if not kept:
                continue
            seen: set[tuple[int, str]] = set()
            score = 0.0
            for t, _s, _e, phrase, w in kept:
                if (t, phrase) not in seen:
                    seen.add((t, phrase))
                    score += w
            if self.cue_per_turn:
                kept_turns = {k[0] for k in kept}
                supported = [c for c in cue_hits if c[0] in kept_turns]
            else:
                supported = cue_hits
            if max(k[4] for k in kept) < 1.0:
                continue  # topic words (weight < 1) support a type but never label it alone
            if score < self.threshold or (not supported and score < self.strong):
                continue
            found[spec.id] = {"score": score, "keywords": kept, "cues": supported}
        if not found and cue_hits:
            distinct = {(h[0], h[3]) for h in cue_hits}
            cue_score = sum(self.cues.weight(p) for _t, p in distinct)
            # weak cues ("!", weight < 1) intensify a complaint but never make one on their own
            if cue_score >= self.other_threshold and any(self.cues.weight(p) >= 1.0 for _t, p in distinct):
                found["other"] = {"score": cue_score, "keywords": [], "cues": cue_hits}
        return found

    # -- model --------------------------------------------------------------------------------------

    def _model_labels(self, conv, scoped_list: list[int]) -> dict[str, dict]:
        texts = [conv.texts[i] for i in scoped_list]
        if not texts:
            return {}
        probs = self.model.predict_proba(["\n".join(texts)] + texts)
        whole, per_turn = probs[0], probs[1:]
        out = {}
        for j, label in enumerate(self.model.labels):
            p = float(whole[j])
            if p >= self.opt("model_threshold"):
                best = max(range(len(texts)), key=lambda k: per_turn[k][j])
                out[label] = {"probability": p, "turn": scoped_list[best], "turn_probability": float(per_turn[best][j])}
        return out

    # -- outcome ------------------------------------------------------------------------------------

    def check(self, conv):
        scoped_list = conv.turns_in_scope(self.rule)
        scoped = conv.scope_set(self.rule)
        mode = self.opt("mode")
        kw = self._keyword_labels(conv, scoped) if mode != "model" else {}
        ml = self._model_labels(conv, scoped_list) if mode != "keywords" else {}
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

    def _evidence_words(self, entry) -> list[str]:
        words = [e["text"] for e in entry["evidence"] if e.get("kind") != "model"]
        if not words:
            return [f"model p={entry['model_probability']:.2f}"]
        return list(dict.fromkeys(words))[:4]

    def _entry(self, conv, tid: str, kw: dict | None, ml: dict | None) -> tuple[dict, tuple]:
        evidence = []
        confidence = 0.0
        entry: dict[str, Any] = {"type": tid, "title": self.titles.get(tid, tid), "rule": self.rule.id}
        if kw:
            cue_bonus = 1.0 if kw["cues"] else 0.0
            confidence = 1.0 - 0.5 ** (kw["score"] + cue_bonus)
            entry["score"] = round(kw["score"], 3)
            for kind, hits in (("keyword", kw["keywords"]), ("cue", kw["cues"])):
                for h in hits:
                    t, s, e = h[0], h[1], h[2]
                    o = conv.norm[t].to_original(s, e)
                    evidence.append({"turn": t, "span": [o[0], o[1]], "text": conv.conv.turns[t].text[o[0]:o[1]],
                                     "kind": kind, **({"weight": h[4]} if kind == "keyword" else {})})
        if ml:
            entry["model_probability"] = round(ml["probability"], 4)
            confidence = max(confidence, ml["probability"])
            t = ml["turn"]
            evidence.append({"turn": t, "span": [0, len(conv.conv.turns[t].text)], "text": conv.conv.turns[t].text,
                             "kind": "model", "probability": round(ml["turn_probability"], 4)})
        entry["source"] = "+".join(k for k, v in (("keywords", kw), ("model", ml)) if v)
        entry["confidence"] = round(confidence, 4)
        entry["evidence"] = sorted(evidence, key=lambda e: (e["kind"] == "model", e["kind"] == "cue", -e.get("weight", 0),
                                                             e["turn"], e["span"][0]))
        if kw and kw["keywords"]:
            best = max(kw["keywords"], key=lambda k: (k[4], -k[0]))
            anchor = (best[0], (best[1], best[2]))
        else:
            anchor = (ml["turn"], (0, len(conv.texts[ml["turn"]]))) if ml else (kw["cues"][0][0], kw["cues"][0][1:3])
        return entry, anchor


def _longest_first(h: tuple[int, int, int]) -> tuple[int, int, int]:
    return h[0], h[1], h[1] - h[2]


def _by_turn(hits: list[tuple]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for h in hits:
        out.setdefault(h[0], []).append(h)
    return out


def _load_model(model_path: str | None, rubric_path: str | None, rule, ctx):
    from qa.classify.model import load_model  # the classifier's module, only for a rule that uses a model

    if not model_path:
        raise RubricError(f"mode {rule.options.get('mode')!r} needs a model file", path=rubric_path, line=rule.line,
                          field=f"{rule.id}.model")
    p = model_path
    if not os.path.isabs(p) and rubric_path:
        cand = os.path.join(os.path.dirname(rubric_path), p)
        if os.path.exists(cand):
            p = cand
    key = "complaint-model:" + os.path.abspath(p)
    if key not in ctx.cache:
        try:
            ctx.cache[key] = load_model(p)
        except QAError as exc:
            raise RubricError(f"cannot use model {model_path!r}: {exc.message}", path=rubric_path, line=rule.line,
                              field=f"{rule.id}.model") from None
    return ctx.cache[key]

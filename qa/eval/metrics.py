"""Agreement arithmetic for ``qa eval``: pure functions over counts, no qa types.

- :func:`wilson` — the 95% Wilson score interval of a proportion ``k / n``.
- :class:`Counts` — a 2×2 confusion table (label × prediction) and what follows from it: precision,
  recall and F1, specificity and balanced accuracy, each as an :class:`Estimate` with its interval.
- :func:`cohen_kappa` — Cohen's kappa of two raters over any categories.
- :func:`macro_f1` — the mean F1 over the classes where F1 is defined.

Intervals (docs/eval.md has the reasoning):

- precision, recall, specificity: Wilson on ``TP/(TP+FP)``, ``TP/(TP+FN)``, ``TN/(TN+FP)``;
- F1: Wilson on the Jaccard index ``J = TP/(TP+FP+FN)`` (a plain proportion: of the units that either
  side calls positive, the share both do), mapped through ``F1 = 2J/(1+J)``, which is increasing in J;
- balanced accuracy ``(recall + specificity)/2``: the mean of the two Wilson intervals' bounds, which is
  wider than the interval of the mean of two independent estimates (conservative).

A figure whose denominator is 0 is ``None`` (undefined), never 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval; ``value`` None when undefined (no units to judge it on)."""

    value: float | None
    low: float | None = None
    high: float | None = None

    def to_dict(self, digits: int = 4) -> dict:
        def r(x):
            return None if x is None else round(x, digits)

        return {"value": r(self.value), "low": r(self.low), "high": r(self.high)}


UNDEFINED = Estimate(None)


def wilson(k: int, n: int, z: float = Z95) -> Estimate:
    """The Wilson score interval of the proportion ``k / n`` (``UNDEFINED`` when ``n`` is 0)."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return UNDEFINED
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


def _f1_of_jaccard(j: float) -> float:
    return 2 * j / (1 + j)


@dataclass(frozen=True)
class Counts:
    """A confusion table: ``tp`` labelled and predicted, ``fp`` predicted only, ``fn`` labelled only,
    ``tn`` neither."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[bool, bool]]) -> Counts:
        """Count ``(label, predicted)`` pairs."""
        c = Counter((bool(a), bool(b)) for a, b in pairs)
        return cls(tp=c[True, True], fp=c[False, True], fn=c[True, False], tn=c[False, False])

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def positives(self) -> int:
        """Units the label calls positive (support)."""
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    def precision(self) -> Estimate:
        return wilson(self.tp, self.tp + self.fp)

    def recall(self) -> Estimate:
        return wilson(self.tp, self.tp + self.fn)

    def specificity(self) -> Estimate:
        return wilson(self.tn, self.tn + self.fp)

    def f1(self) -> Estimate:
        union = self.tp + self.fp + self.fn
        if not union:
            return UNDEFINED
        j = wilson(self.tp, union)
        return Estimate(_f1_of_jaccard(j.value), _f1_of_jaccard(j.low), _f1_of_jaccard(j.high))

    def balanced_accuracy(self) -> Estimate:
        sens, spec = self.recall(), self.specificity()
        if sens.value is None or spec.value is None:
            return UNDEFINED
        return Estimate((sens.value + spec.value) / 2, (sens.low + spec.low) / 2, (sens.high + spec.high) / 2)

    def accuracy(self) -> Estimate:
        return wilson(self.tp + self.tn, self.n)

    def kappa(self) -> float | None:
        """Cohen's kappa between the label and the prediction (see :func:`cohen_kappa`)."""
        n = self.n
        if not n:
            return None
        pe = ((self.tp + self.fn) * (self.tp + self.fp) + (self.fp + self.tn) * (self.fn + self.tn)) / (n * n)
        if pe >= 1.0:
            return None
        return ((self.tp + self.tn) / n - pe) / (1 - pe)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters' categories, one ``(a, b)`` pair per item.

    ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed agreement and ``p_e`` the agreement expected from
    each rater's own category frequencies. None when there are no items or ``p_e`` is 1 (both raters
    used one and the same category throughout: kappa is undefined, agreement is total).
    """
    n = len(pairs)
    if not n:
        return None
    po = sum(a == b for a, b in pairs) / n
    ca = Counter(a for a, _ in pairs)
    cb = Counter(b for _, b in pairs)
    pe = sum(ca[c] * cb[c] for c in ca) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


def agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """The share of items on which both raters agree."""
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


def macro_f1(per_class: Iterable[Counts]) -> tuple[float | None, int]:
    """The mean F1 over the classes where F1 is defined (some unit labelled or predicted), and how many
    classes that mean is over."""
    f1s = [c.f1().value for c in per_class]
    f1s = [f for f in f1s if f is not None]
    return (sum(f1s) / len(f1s) if f1s else None), len(f1s)

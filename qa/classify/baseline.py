"""The yardstick a trained model must beat: character n-gram TF-IDF + a linear SVM, one per label.

``qa classify eval`` trains it on the same rows as the model under test and prints both, so a user sees
whether the calibrated model (and its thresholds) is worth having over the plainest strong text classifier.
The baseline is scikit-learn with no tuning: ``TfidfVectorizer(analyzer="char", ngram_range=<the language's
default>, sublinear_tf=True)`` and ``LinearSVC(class_weight="balanced")`` per label, deciding at 0. It is only
ever trained in memory; nothing of it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME = "char n-gram TF-IDF + LinearSVC"


@dataclass
class Baseline:
    """A fitted baseline with the classifier interface ``labels`` / ``predict(texts)``."""

    labels: list[str]
    vectorizer: object
    svms: dict

    def predict(self, texts, threshold=None) -> list[list[tuple[str, float]]]:
        x = self.vectorizer.transform(list(texts))
        scores = {lab: svm.decision_function(x) for lab, svm in self.svms.items()}
        out = []
        for i in range(x.shape[0]):
            hits = [(lab, float(s[i])) for lab, s in scores.items() if s[i] > 0]
            out.append(sorted(hits, key=lambda h: -h[1]))
        return out


def train_baseline(texts, labelsets, language: str = "zh", labels=None) -> Baseline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts = list(texts)
    labelsets = [set(ls) for ls in labelsets]
    labels = list(labels or sorted({lab for ls in labelsets for lab in ls}))
    lo, hi = (1, 3) if language.startswith("zh") else (2, 5)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True)
    x = vec.fit_transform(texts)
    svms = {}
    for lab in labels:
        y = [int(lab in ls) for ls in labelsets]
        if 0 < sum(y) < len(y):
            svms[lab] = LinearSVC(class_weight="balanced").fit(x, y)
    return Baseline(labels, vec, svms)

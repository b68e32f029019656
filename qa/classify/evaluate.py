"""Run a classifier (model or rubric) over labelled examples and score it; k-fold cross-validation."""

from __future__ import annotations

import statistics

from qa.classify.metrics import evaluate
from qa.classify.model import ComplaintModel, train


def predict_labels(clf, texts, threshold: float = 0.5) -> list[list[tuple[str, float]]]:
    if isinstance(clf, ComplaintModel):
        return clf.predict(texts, threshold)
    return clf.predict(texts)


def evaluate_classifier(clf, examples, threshold: float = 0.5) -> dict:
    preds = predict_labels(clf, [e.text for e in examples], threshold)
    return evaluate([e.labels for e in examples], [[lab for lab, _ in p] for p in preds], clf.labels)


def cross_validate(clf, examples, folds: int, threshold: float = 0.5, seed: int = 0) -> dict:
    """Out-of-fold evaluation. A model is retrained on the other folds with its own options."""
    from sklearn.model_selection import KFold

    gold, pred, per_fold = [None] * len(examples), [None] * len(examples), []
    for tr, te in KFold(folds, shuffle=True, random_state=seed).split(list(range(len(examples)))):
        test = [examples[i] for i in te]
        if isinstance(clf, ComplaintModel):
            fold_clf = train([examples[i].text for i in tr], [examples[i].labels for i in tr], clf.options,
                             labels=clf.labels)
        else:
            fold_clf = clf
        p = predict_labels(fold_clf, [e.text for e in test], threshold)
        per_fold.append(evaluate([e.labels for e in test], [[lab for lab, _ in x] for x in p], clf.labels)["macro_f1"])
        for i, x in zip(te, p, strict=False):
            gold[i], pred[i] = examples[i].labels, [lab for lab, _ in x]
    report = evaluate(gold, pred, clf.labels)
    report["cv"] = {"folds": folds, "seed": seed, "macro_f1_per_fold": per_fold,
                    "macro_f1_mean": round(statistics.fmean(per_fold), 4),
                    "macro_f1_std": round(statistics.pstdev(per_fold), 4)}
    return report

"""Run a classifier (model or rubric) over labelled examples and score it; k-fold cross-validation; the baseline."""

from __future__ import annotations

import statistics

from qa.classify.metrics import evaluate
from qa.classify.model import ComplaintModel, train


def predict_labels(clf, texts, threshold: float | None = None) -> list[list[tuple[str, float]]]:
    """Labels per text. A model uses its own per-label thresholds unless ``threshold`` is given."""
    from qa.classify.model import ComplaintModel

    if isinstance(clf, ComplaintModel):
        return clf.predict(texts, threshold)
    return clf.predict(texts)


def evaluate_classifier(clf, examples, threshold: float | None = None) -> dict:
    preds = predict_labels(clf, [e.text for e in examples], threshold)
    return evaluate([e.labels for e in examples], [[lab for lab, _ in p] for p in preds], clf.labels)


def baseline_summary(report: dict, rows: int, how: str) -> dict:
    """What ``qa classify eval`` shows of the baseline's report next to the classifier's."""
    from qa.classify.baseline import NAME

    return {"name": NAME, "trained": how, "training_rows": rows, "macro_f1": report["macro_f1"],
            "micro_f1": report["micro"]["f1"], "complaint_detection_f1": report["complaint_detection"]["f1"],
            "per_label_f1": {lab: m["f1"] for lab, m in report["per_label"].items()}}


def evaluate_baseline(train_examples, test_examples, language: str, labels) -> dict:
    """Train the baseline on ``train_examples`` and evaluate it on ``test_examples`` like the classifier."""
    from qa.classify.baseline import train_baseline

    base = train_baseline([e.text for e in train_examples], [e.labels for e in train_examples], language, labels)
    report = evaluate_classifier(base, test_examples)
    return baseline_summary(report, len(train_examples), "on the model's training rows")


def cross_validate(clf, examples, folds: int, threshold: float | None = None, seed: int = 0,
                   baseline_language: str | None = None) -> dict:
    """Out-of-fold evaluation. A model is retrained on the other folds with its own options. With
    ``baseline_language`` the baseline is trained on the same folds and reported under ``baseline``."""
    from sklearn.model_selection import KFold

    gold, pred, per_fold = [None] * len(examples), [None] * len(examples), []
    base_pred: list = [None] * len(examples)
    for tr, te in KFold(folds, shuffle=True, random_state=seed).split(list(range(len(examples)))):
        test = [examples[i] for i in te]
        train_rows = [examples[i] for i in tr]
        if isinstance(clf, ComplaintModel):
            fold_clf = train([e.text for e in train_rows], [e.labels for e in train_rows], clf.options,
                             labels=clf.labels)
        else:
            fold_clf = clf
        p = predict_labels(fold_clf, [e.text for e in test], threshold)
        per_fold.append(evaluate([e.labels for e in test], [[lab for lab, _ in x] for x in p], clf.labels)["macro_f1"])
        for i, x in zip(te, p, strict=False):
            gold[i], pred[i] = examples[i].labels, [lab for lab, _ in x]
        if baseline_language is not None:
            from qa.classify.baseline import train_baseline

            base = train_baseline([e.text for e in train_rows], [e.labels for e in train_rows], baseline_language,
                                  clf.labels)
            for i, x in zip(te, base.predict([e.text for e in test]), strict=False):
                base_pred[i] = [lab for lab, _ in x]
    report = evaluate(gold, pred, clf.labels)
    report["cv"] = {"folds": folds, "seed": seed, "macro_f1_per_fold": per_fold,
                    "macro_f1_mean": round(statistics.fmean(per_fold), 4),
                    "macro_f1_std": round(statistics.pstdev(per_fold), 4)}
    if baseline_language is not None:
        report["baseline"] = baseline_summary(evaluate(gold, base_pred, clf.labels), len(examples) * (folds - 1) // folds,
                                              f"on the same {folds} folds")
    return report

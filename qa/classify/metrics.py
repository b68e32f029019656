"""Multi-label evaluation: per-label precision/recall/F1, macro-F1, confusion matrix.

``macro_f1`` averages F1 over the labels that occur in the gold data (a label the classifier can
emit but the data never has shows up in ``per_label`` with its false positives, support 0, and is
left out of the average). The confusion matrix counts, for each row, every (gold, predicted) pair,
with ``none`` standing for "no complaint" on either side.
"""

from __future__ import annotations

NONE = "none"


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(gold: list, pred: list, labels=None) -> dict:
    """Compare gold and predicted label sets (one iterable of labels per row)."""
    if len(gold) != len(pred):
        raise ValueError("gold and predicted differ in length")
    gold = [set(g) for g in gold]
    pred = [set(p) for p in pred]
    present = sorted({lab for g in gold for lab in g})
    names = sorted(set(labels or ()) | set(present) | {lab for p in pred for lab in p})
    per: dict[str, dict] = {}
    ttp = tfp = tfn = 0
    for lab in names:
        tp = sum(1 for g, p in zip(gold, pred, strict=False) if lab in g and lab in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=False) if lab not in g and lab in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=False) if lab in g and lab not in p)
        pr, rc, f1 = _prf(tp, fp, fn)
        per[lab] = {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f1, 4), "support": tp + fn,
                    "predicted": tp + fp, "tp": tp, "fp": fp, "fn": fn}
        ttp, tfp, tfn = ttp + tp, tfp + fp, tfn + fn
    macro = sum(per[lab]["f1"] for lab in present) / len(present) if present else 0.0
    mp, mr, mf = _prf(ttp, tfp, tfn)
    dtp = sum(1 for g, p in zip(gold, pred, strict=False) if g and p)
    dfp = sum(1 for g, p in zip(gold, pred, strict=False) if not g and p)
    dfn = sum(1 for g, p in zip(gold, pred, strict=False) if g and not p)
    dp, dr, df = _prf(dtp, dfp, dfn)
    axis = names + [NONE]
    idx = {lab: i for i, lab in enumerate(axis)}
    matrix = [[0] * len(axis) for _ in axis]
    for g, p in zip(gold, pred, strict=False):
        for gl in (g or {NONE}):
            for pl in (p or {NONE}):
                matrix[idx[gl]][idx[pl]] += 1
    return {
        "rows": len(gold),
        "macro_f1": round(macro, 4),
        "micro": {"precision": round(mp, 4), "recall": round(mr, 4), "f1": round(mf, 4)},
        "exact_match": round(sum(g == p for g, p in zip(gold, pred, strict=False)) / len(gold), 4) if gold else 0.0,
        "complaint_detection": {"precision": round(dp, 4), "recall": round(dr, 4), "f1": round(df, 4)},
        "per_label": per,
        "confusion": {"labels": axis, "matrix": matrix, "rows": "gold", "columns": "predicted"},
    }


def format_table(report: dict) -> str:
    """A plain-text rendering of :func:`evaluate`'s report (plus cross-validation, if present)."""
    lines = [f"{'label':<22}{'precision':>10}{'recall':>9}{'f1':>8}{'support':>9}{'predicted':>11}"]
    for lab, m in report["per_label"].items():
        lines.append(f"{lab:<22}{m['precision']:>10.3f}{m['recall']:>9.3f}{m['f1']:>8.3f}{m['support']:>9}"
                     f"{m['predicted']:>11}")
    d = report["complaint_detection"]
    lines.append("")
    lines.append(f"macro-F1 {report['macro_f1']:.3f}   micro-F1 {report['micro']['f1']:.3f}   "
                 f"exact match {report['exact_match']:.3f}   rows {report['rows']}")
    lines.append(f"complaint vs none: precision {d['precision']:.3f} recall {d['recall']:.3f} f1 {d['f1']:.3f}")
    if "cv" in report:
        cv = report["cv"]
        lines.append(f"cross-validation ({cv['folds']} folds): macro-F1 {cv['macro_f1_mean']:.3f} "
                     f"± {cv['macro_f1_std']:.3f}")
    if report.get("baseline"):
        b = report["baseline"]
        diff = report["macro_f1"] - b["macro_f1"]
        lines.append(f"baseline ({b['name']}, trained {b['trained']}): macro-F1 {b['macro_f1']:.3f}   "
                     f"micro-F1 {b['micro_f1']:.3f}   complaint vs none f1 {b['complaint_detection_f1']:.3f}")
        lines.append(f"  → this classifier is {diff:+.3f} macro-F1 against the baseline"
                     + ("" if diff >= 0 else " (the baseline is better on this data)"))
    elif report.get("baseline_note"):
        lines.append(f"baseline: {report['baseline_note']}")
    c = report["confusion"]
    short = [lab[:10] for lab in c["labels"]]
    lines.append("")
    lines.append("confusion (rows gold, columns predicted):")
    lines.append(" " * 18 + "".join(f"{s:>11}" for s in short))
    for lab, row in zip(c["labels"], c["matrix"], strict=False):
        lines.append(f"{lab[:17]:<18}" + "".join(f"{v:>11}" for v in row))
    return "\n".join(lines)

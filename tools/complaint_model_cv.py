"""Cross-validated measure of the complaint model inside the rubric, on the devset's train split.

For each of K folds of the train split's conversations, trains the message model (``qa classify
train-devset``'s rows and options) on the other folds, scores the held-out conversations with complaints-zh
in ``keywords`` mode and with the model in ``combined`` and ``model`` modes, and prints complaint-vs-none
P/R/F1 and type macro-F1 over all held-out conversations. Never touches the test split.

    python tools/complaint_model_cv.py [--folds 5] [--rubric complaints-zh] [--threshold P]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from qa.classify.data import devset_messages
from qa.classify.model import ModelOptions, train
from qa import compile_rubric, score_conversation
from qa.eval.devset import load_devset
from qa.eval.evaluate import devset_pairs
from qa.eval.labels import COMPLAINT_TYPES, read_labels
from qa import load_rubric


def _figures(gold: list[set], pred: list[set]) -> str:
    tp = sum(bool(g) and bool(p) for g, p in zip(gold, pred, strict=True))
    fp = sum(not g and bool(p) for g, p in zip(gold, pred, strict=True))
    fn = sum(bool(g) and not p for g, p in zip(gold, pred, strict=True))
    f1s = []
    for t in COMPLAINT_TYPES:
        a = sum(t in g and t in p for g, p in zip(gold, pred, strict=True))
        b = sum(t not in g and t in p for g, p in zip(gold, pred, strict=True))
        c = sum(t in g and t not in p for g, p in zip(gold, pred, strict=True))
        if a + b + c:
            f1s.append(2 * a / (2 * a + b + c))
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return (f"complaint vs none P {pr:.2f} R {rc:.2f} F1 {2 * tp / (2 * tp + fp + fn):.3f}   "
            f"type macro-F1 {sum(f1s) / len(f1s):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--rubric", default="complaints-zh")
    ap.add_argument("--threshold", type=float, default=None, help="model probability (default: the model's own)")
    args = ap.parse_args()
    from sklearn.model_selection import GroupKFold

    ds = load_devset()
    pairs, _ = devset_pairs(ds, read_labels(str(ds.root / "labels.jsonl")), split="train", languages=("zh",))
    rows = devset_messages("train", languages=("zh",))
    by_conv = {f"{p.record.corpus}/{p.record.id}": p for p in pairs}
    names = sorted(by_conv)
    rubric = load_rubric(args.rubric)
    data = yaml.safe_load(Path(rubric.path).read_text(encoding="utf-8"))
    gold = {n: set(by_conv[n].record.complaints) for n in names}
    pred: dict[str, dict[str, set]] = {m: {} for m in ("keywords", "combined", "model")}
    keywords = compile_rubric(rubric)
    with tempfile.TemporaryDirectory() as tmp:
        for k, (tr, te) in enumerate(GroupKFold(args.folds).split(names, groups=names)):
            train_convs = {names[i] for i in tr}
            idx = [j for j, c in enumerate(rows.conversations) if c in train_convs]
            model = train([rows.examples[j].text for j in idx], [rows.examples[j].labels for j in idx],
                          ModelOptions.default_for("zh"), labels=list(COMPLAINT_TYPES),
                          unknown=[rows.unknown[j] for j in idx])
            path = Path(tmp) / f"fold{k}.npz"
            model.save(path)
            compiled = {"keywords": keywords}
            for mode in ("combined", "model"):
                d = dict(data, id=f"cv-{mode}-{k}")
                rule = dict(d["rules"][0], model=str(path), mode=mode)
                if args.threshold is not None:
                    rule["model_threshold"] = args.threshold
                d["rules"] = [rule]
                y = Path(tmp) / f"{mode}{k}.yaml"
                y.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
                compiled[mode] = compile_rubric(load_rubric(str(y)))
            for i in te:
                conv = by_conv[names[i]].conversation
                for mode, comp in compiled.items():
                    res = score_conversation(conv, comp)
                    pred[mode][names[i]] = {e["type"] for e in res["labels"]["complaint_types"]}
    print(f"{len(names)} train conversations, {args.folds} folds (grouped by conversation), "
          f"{Counter(bool(g) for g in gold.values())[True]} with complaints")
    for mode in ("keywords", "model", "combined"):
        print(f"{mode:9} {_figures([gold[n] for n in names], [pred[mode][n] for n in names])}")


if __name__ == "__main__":
    main()

"""``qa classify train|eval|predict``: the complaint-type model and the rubric keyword classifier."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa.classify.data import read_examples
from qa.classify.evaluate import cross_validate, evaluate_classifier, predict_labels
from qa.classify.metrics import format_table
from qa.classify.model import ComplaintModel, ModelOptions, is_model_file, load_model
from qa.classify.model import train as fit
from qa.classify.rubric_classifier import RubricClassifier
from qa.cli.options import registry_of, rubric_loader
from qa.errors import InputError
from qa.io import atomic_output

DATA = click.argument("data", type=click.Path(exists=True, dir_okay=False))


def data_options(f):
    f = click.option("--text-field", "-t", required=True, help="Field (column) holding the text.")(f)
    f = click.option("--id-field", default=None, help="Field to copy into predictions as the row id.")(f)
    f = click.option("--row-labels", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Labels kept apart from DATA: a CSV/JSONL with 'row' (1-based data row) and the "
                          "label field; only those rows are used.")(f)
    f = click.option("--split", default=None, help="With --row-labels: only rows whose 'split' column is this.")(f)
    return f


def _read(data, text_field, label_field, id_field=None, row_labels=None, split=None, need_labels=True):
    examples, rejected = read_examples(data, text_field, label_field if need_labels else None, id_field=id_field,
                                       row_labels=row_labels, split=split)
    for r in rejected[:5]:
        click.echo(f"  skipped {data}:{r.line} [{r.field}]: {r.reason}", err=True)
    if len(rejected) > 5:
        click.echo(f"  … {len(rejected) - 5} more skipped rows", err=True)
    if not examples:
        raise InputError("no usable rows", path=str(data))
    return examples, rejected


@click.group()
def classify():
    """Train, evaluate and apply complaint-type classifiers.

    \b
    A classifier is a MODEL file (from `train`) or a RUBRIC with a complaint-type rule, whose
    keyword lexicons are evaluated exactly as `qa score` applies them.
    Examples:
      qa classify train corpora/banking77-complaints/banking77_complaints.csv -t text -l labels -o m.npz
      qa classify train-devset -o complaints-zh.npz        # customer messages of the labelled devset
      qa classify eval m.npz data.csv -t text -l labels --format json   # with the TF-IDF + LinearSVC baseline
      qa classify eval complaints-zh reviews.csv -t review -l labels
      qa classify predict m.npz new.jsonl -t text -o predictions.jsonl
    """


@classify.command()
@DATA
@data_options
@click.option("--label-field", "-l", required=True, help="Field with one label, a JSON list, or labels joined by |.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Model file to write (.npz).")
@click.option("--language", default="zh", show_default=True, help="zh or en (default n-gram ranges, tokens).")
@click.option("--analyzer", type=click.Choice(["char", "jieba", "word"]), default="char", show_default=True,
              help="Features: character n-grams, jieba tokens (zh), or words.")
@click.option("--ngram", default=None, metavar="MIN,MAX", help="n-gram range (default char 1,3 zh / 2,5 en; 1,2 tokens).")
@click.option("--min-df", type=int, default=1, show_default=True, help="Ignore n-grams in fewer rows than this.")
@click.option("-C", "c", type=float, default=None, help="Inverse regularisation strength (default 1).")
def train(data, text_field, id_field, row_labels, split, label_field, output, language, analyzer, ngram, min_df, c):
    """Train a multi-label model on labelled DATA (CSV, TSV or JSONL) and write it to OUTPUT."""

    examples, rejected = _read(data, text_field, label_field, row_labels=row_labels, split=split)
    opts = ModelOptions.default_for(language, analyzer)
    if ngram:
        opts.ngram_min, opts.ngram_max = _ngram(ngram)
    opts.min_df = min_df
    if c is not None:
        opts.c = c
    source = {"trained_on": str(Path(data).resolve()), "split": split, "text_field": text_field,
              "label_field": label_field, "row_labels": str(Path(row_labels).resolve()) if row_labels else None}
    model = fit([e.text for e in examples], [e.labels for e in examples], opts, info=source)
    model.save(output)
    counts = model.info["label_counts"]
    click.echo(f"trained on {len(examples)} rows ({len(rejected)} skipped), {len(model.terms)} features; "
               f"labels: {', '.join(f'{k} {v}' for k, v in counts.items())} → {output}", err=True)
    if model.info["skipped_labels"]:
        click.echo(f"  too few examples to learn: {', '.join(model.info['skipped_labels'])}", err=True)
    click.echo("  thresholds: " + ", ".join(f"{k} {v:g}" for k, v in model.info["thresholds"].items()), err=True)


@classify.command(name="train-devset")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Model file to write (.npz).")
@click.option("--split", default="train", show_default=True, type=click.Choice(["train", "test", "all"]),
              help="Devset split to train on (tune and train on train only; test is for measuring).")
@click.option("--language", default="zh", show_default=True, help="Conversations of this language.")
@click.option("--labels", "labels_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Labels file (default: the devset's labels.jsonl).")
@click.option("--devset", default=None, type=click.Path(file_okay=False), help="Devset folder (default: corpora/devset).")
@click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False),
              help="Shared data folder the research-only corpora are read from (default: $QA_SHARED_DATA or "
                   "../shared/data).")
@click.option("-C", "c", type=float, default=None, help="Inverse regularisation strength (default 1).")
@click.pass_context
def train_devset(ctx, output, split, language, labels_file, devset, data_dir, c):
    """Train the complaint model on the customer messages of the labelled development set.

    \b
    Each customer message is a row: the message a label names as the first that shows a type is a positive of
    that type, the messages before it are negatives, the messages after it are left out of that type (they may
    repeat the complaint). The devset's corpora are research-only: the model is written where you say and is
    yours to keep, not to redistribute. Use it from a rubric that extends complaints-zh:
      rules: [{id: complaint.types, model: complaints-zh.npz, mode: combined}]
    """
    from qa.classify.data import devset_messages
    from qa.classify.model import ModelOptions
    from qa.classify.model import train as fit

    rows = devset_messages(split, readers=registry_of(ctx).readers, devset=devset, data_dir=data_dir,
                           labels=labels_file, languages=(language,))
    if not rows.examples:
        from qa.errors import InputError

        raise InputError(f"no labelled {language} conversations in the devset's {split} split")
    opts = ModelOptions.default_for(language)
    if c is not None:
        opts.c = c
    from qa.eval.labels import COMPLAINT_TYPES

    model = fit([e.text for e in rows.examples], [e.labels for e in rows.examples], opts, labels=list(COMPLAINT_TYPES),
                unknown=rows.unknown, info={"trained_on": "devset", "split": split, "language": language,
                                            "conversations": len(set(rows.conversations))})
    model.save(output)
    counts = model.info["label_counts"]
    click.echo(f"trained on {len(rows.examples)} customer messages of {model.info['conversations']} conversations; "
               f"first messages per type: {', '.join(f'{k} {v}' for k, v in counts.items())} → {output}", err=True)


def _ngram(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in text.split(","))
    except ValueError:
        raise click.BadParameter("expected MIN,MAX such as 1,3", param_hint="--ngram") from None
    if not 1 <= lo <= hi <= 8:
        raise click.BadParameter("need 1 ≤ MIN ≤ MAX ≤ 8", param_hint="--ngram")
    return lo, hi


def load_classifier(ctx, target: str):
    """A MODEL file or a RUBRIC (name or path) as an object with ``labels`` and ``predict(texts)``."""

    if is_model_file(target):
        return load_model(target)

    return RubricClassifier(rubric_loader(ctx)(target), registry_of(ctx).checkers)


@classify.command(name="eval")
@click.argument("target", metavar="MODEL|RUBRIC")
@DATA
@data_options
@click.option("--label-field", "-l", required=True, help="Field with the gold labels.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--threshold", type=float, default=None,
              help="Model probability that labels a type (default: the model's own per-label thresholds).")
@click.option("--cv", type=int, default=None, metavar="K",
              help="K-fold cross-validation on DATA: a MODEL is retrained with its settings on each fold; "
                   "a RUBRIC is scored per fold (spread of macro-F1).")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also train and score a character n-gram TF-IDF + LinearSVC baseline on the same training rows "
                   "(the model's own, or the folds of --cv).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
@click.pass_context
def eval_(ctx, target, data, text_field, id_field, row_labels, split, label_field, fmt, threshold, cv, baseline, output):
    """Evaluate MODEL or RUBRIC on labelled DATA: per-type precision/recall/F1, macro-F1, confusion, and the
    baseline a model must beat."""
    examples, _rej = _read(data, text_field, label_field, row_labels=row_labels, split=split)
    clf = load_classifier(ctx, target)
    language = clf.options.language if isinstance(clf, ComplaintModel) else clf.rubric.language
    if cv:
        if cv < 2 or cv > len(examples):
            raise click.BadParameter(f"K must be between 2 and the number of rows ({len(examples)})",
                                     param_hint="--cv")
        report = cross_validate(clf, examples, cv, threshold=threshold,
                                baseline_language=language if baseline else None)
    else:
        report = evaluate_classifier(clf, examples, threshold=threshold)
        if baseline:
            _add_baseline(report, clf, examples, language)
    report["classifier"] = target
    report["data"] = str(data) + (f" (rows from {row_labels}" + (f", split {split})" if split else ")")
                                  if row_labels else "")
    text = json.dumps(report, ensure_ascii=False, indent=2) if fmt == "json" else format_table(report)
    with atomic_output(output) as out:
        out.write(text + "\n")


def _add_baseline(report: dict, clf, examples, language: str) -> None:
    """The baseline trained on the rows the model was trained on (recorded in its header), else a note why not."""
    from qa.classify.evaluate import evaluate_baseline
    from qa.classify.model import ComplaintModel
    from qa.errors import QAError

    if not isinstance(clf, ComplaintModel):
        report["baseline_note"] = "a rubric is not trained: pass --cv K to compare with a baseline trained on folds"
        return
    info = clf.info
    source = info.get("trained_on")
    if not source or not info.get("text_field") or not Path(source).is_file():
        report["baseline_note"] = (f"the model's training rows ({source or 'not recorded'}) cannot be read; "
                                   "pass --cv K to compare on folds of DATA")
        return
    try:
        train_rows, _ = _read(source, info["text_field"], info["label_field"], row_labels=info.get("row_labels"),
                              split=info.get("split"))
    except QAError as exc:
        report["baseline_note"] = f"the model's training rows cannot be read: {exc.message}"
        return
    report["baseline"] = evaluate_baseline(train_rows, examples, language, clf.labels)


@classify.command()
@click.argument("target", metavar="MODEL|RUBRIC")
@DATA
@data_options
@click.option("--threshold", type=float, default=None,
              help="Model probability that labels a type (default: the model's own per-label thresholds).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="JSONL output (default stdout).")
@click.pass_context
def predict(ctx, target, data, text_field, id_field, row_labels, split, threshold, output):
    """Label each row of DATA; JSONL out: row, id, labels, confidences."""

    examples, _rej = _read(data, text_field, None, id_field=id_field, row_labels=row_labels, split=split,
                           need_labels=False)
    clf = load_classifier(ctx, target)
    preds = predict_labels(clf, [e.text for e in examples], threshold)
    with atomic_output(output) as out:
        for e, p in zip(examples, preds, strict=False):
            rec = {"row": e.row, "id": e.id, "labels": [lab for lab, _ in p],
                   "confidence": {lab: round(conf, 4) for lab, conf in p}}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")

"""``qa classify train|eval|predict``: the complaint-type model and the rubric keyword classifier."""

from __future__ import annotations

import json

import click

from qa.classify.data import read_examples
from qa.classify.evaluate import cross_validate, evaluate_classifier, predict_labels
from qa.classify.metrics import format_table
from qa.classify.model import ModelOptions, is_model_file, load_model
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
      qa classify eval m.npz data.csv -t text -l labels --format json
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
@click.option("--min-df", type=int, default=2, show_default=True, help="Ignore n-grams in fewer rows than this.")
@click.option("-C", "c", type=float, default=4.0, show_default=True, help="Inverse regularisation strength.")
def train(data, text_field, id_field, row_labels, split, label_field, output, language, analyzer, ngram, min_df, c):
    """Train a multi-label model on labelled DATA (CSV, TSV or JSONL) and write it to OUTPUT."""

    examples, rejected = _read(data, text_field, label_field, row_labels=row_labels, split=split)
    opts = ModelOptions.default_for(language, analyzer)
    if ngram:
        opts.ngram_min, opts.ngram_max = _ngram(ngram)
    opts.min_df, opts.c = min_df, c
    model = fit([e.text for e in examples], [e.labels for e in examples], opts,
                info={"trained_on": str(data), "split": split})
    model.save(output)
    counts = model.info["label_counts"]
    click.echo(f"trained on {len(examples)} rows ({len(rejected)} skipped), {len(model.terms)} features; "
               f"labels: {', '.join(f'{k} {v}' for k, v in counts.items())} → {output}", err=True)
    if model.info["skipped_labels"]:
        click.echo(f"  too few examples to learn: {', '.join(model.info['skipped_labels'])}", err=True)


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
@click.option("--threshold", type=float, default=0.5, show_default=True, help="Model probability that labels a type.")
@click.option("--cv", type=int, default=None, metavar="K",
              help="K-fold cross-validation on DATA: a MODEL is retrained with its settings on each fold; "
                   "a RUBRIC is scored per fold (spread of macro-F1).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
@click.pass_context
def eval_(ctx, target, data, text_field, id_field, row_labels, split, label_field, fmt, threshold, cv, output):
    """Evaluate MODEL or RUBRIC on labelled DATA: per-type precision/recall/F1, macro-F1, confusion."""

    examples, _rej = _read(data, text_field, label_field, row_labels=row_labels, split=split)
    clf = load_classifier(ctx, target)
    if cv:
        if cv < 2 or cv > len(examples):
            raise click.BadParameter(f"K must be between 2 and the number of rows ({len(examples)})",
                                     param_hint="--cv")
        report = cross_validate(clf, examples, cv, threshold=threshold)
    else:
        report = evaluate_classifier(clf, examples, threshold=threshold)
    report["classifier"] = target
    report["data"] = str(data) + (f" (rows from {row_labels}" + (f", split {split})" if split else ")")
                                  if row_labels else "")
    text = json.dumps(report, ensure_ascii=False, indent=2) if fmt == "json" else format_table(report)
    with atomic_output(output) as out:
        out.write(text + "\n")


@classify.command()
@click.argument("target", metavar="MODEL|RUBRIC")
@DATA
@data_options
@click.option("--threshold", type=float, default=0.5, show_default=True, help="Model probability that labels a type.")
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

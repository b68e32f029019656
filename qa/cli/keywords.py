"""``qa keywords suggest``: candidate complaint keywords per type from labelled data."""

from __future__ import annotations

import click

from qa.classify.data import read_examples
from qa.classify.suggest import suggest as rank
from qa.classify.suggest import to_yaml
from qa.errors import InputError
from qa.io import atomic_output


@click.group()
def keywords():
    """Grow complaint lexicons from labelled data."""


@keywords.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-field", "-t", required=True, help="Field (column) holding the text.")
@click.option("--label-field", "-l", required=True, help="Field with one label, a JSON list, or labels joined by |.")
@click.option("--row-labels", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Labels kept apart from DATA by 1-based row number (see `qa classify eval --help`).")
@click.option("--split", default=None, help="Only rows whose 'split' column is this (tune on dev, report on test).")
@click.option("--language", default="zh", show_default=True, help="zh (jieba tokens) or en (words).")
@click.option("--method", type=click.Choice(["log-odds", "chi2"]), default="log-odds", show_default=True)
@click.option("--top", type=int, default=20, show_default=True, help="Candidates per label.")
@click.option("--min-count", type=int, default=3, show_default=True, help="Rows of the label a term must occur in.")
@click.option("--stopwords", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Extra stop words, one per line (added to qa's built-in list).")
@click.option("--no-bigrams", is_flag=True, help="Single tokens only.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the YAML here.")
def suggest(data, text_field, label_field, row_labels, split, language, method, top, min_count, stopwords,
            no_bigrams, output):
    """Rank candidate keywords per label in DATA; prints a YAML `types:` block to paste into a rubric.

    \b
    Example:
      qa keywords suggest corpora/banking77-complaints/banking77_complaints.csv -t text -l labels \\
         --language en --split dev
    """

    examples, _rej = read_examples(data, text_field, label_field, row_labels=row_labels, split=split)
    if not examples:
        raise InputError("no usable rows", path=str(data))
    extra = None
    if stopwords:
        with open(stopwords, encoding="utf-8-sig") as fh:
            extra = {w.strip() for w in fh if w.strip()}
    result = rank([e.text for e in examples], [e.labels for e in examples], language, method=method, top=top,
                  min_count=min_count, stopwords=extra, bigrams=not no_bigrams)
    with atomic_output(output) as out:
        out.write(to_yaml(result, method, str(data) + (f" (split {split})" if split else "")) + "\n")

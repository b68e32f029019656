"""``qa demo``: run the whole flow on the bundled sample corpora and say where the report is."""

from __future__ import annotations

import sys
import tempfile

import click

from qa.cli.options import registry_of, rubric_loader
from qa.demo import run_demo
from qa.reporters.scorecard_formats import TableReporter
from qa.results.files import results_from
from qa.results.scorecard import aggregate


@click.command()
@click.option("--dir", "workdir", default=None, type=click.Path(file_okay=False),
              help="Work here instead of a new temporary folder.")
@click.option("--corpora", default=None, type=click.Path(file_okay=False),
              help="Folder holding the sample corpora (default: corpora/ of this checkout, or $QA_CORPORA).")
@click.pass_context
def demo(ctx, workdir, corpora):
    """Score the bundled zh chats (with timestamps) and en calls, keep two rubric versions in a history
    db and compare them, print the agent scorecard, and write the HTML report.

    \b
    Example:
      qa demo
    """

    work = workdir or tempfile.mkdtemp(prefix="qa-demo-")
    res = run_demo(work, corpora, echo=lambda s: click.echo(s, err=True), registry=registry_of(ctx))
    for s in res.skipped:
        click.echo(f"skipped {s}", err=True)
    sc = aggregate(results_from((), str(res.db), load_rubric=rubric_loader(ctx)), by="agent", period="month")
    TableReporter().write_scorecard(sc, sys.stdout, {})
    click.echo("")
    click.echo(f"history db:  {res.db}   (try: qa history compare {res.compares[0][1]} {res.compares[0][2]} "
               f"--db {res.db})")
    click.echo(f"scorecard:   {res.scorecard_csv}  {res.scorecard_xlsx}")
    click.echo(f"report:      {res.report}")

"""``qa report``: one self-contained HTML file with charts and drill-down to each conversation."""

from __future__ import annotations

import click

from qa.cli.options import registry_of, resolve_db, rubric_loader, rubric_option
from qa.cli.scorecard import db_options
from qa.io import atomic_output
from qa.reporters.html_report import load_transcripts, render_report
from qa.results.files import load_policy, results_from


@click.command()
@click.argument("results", nargs=-1, type=click.Path())
@db_options
@rubric_option
@click.option("--conversations", "-c", "conversations", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The scored conversations (any input format), for the transcripts. Repeatable. "
                   "Default: the files named in each result's source, where they exist.")
@click.option("--title", default="qa report", show_default=True)
@click.option("--redact", is_flag=True, help="Replace phone, ID-card and bank-card numbers and e-mails with tags.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.pass_context
def report(ctx, results, db, run, rubric_name, conversations, title, redact, output):
    """Write an HTML report: score distribution, scores over time per team, findings by rule, complaint
    types by agent, a sortable agent table, and every conversation's transcript with its findings
    highlighted. Works offline; all input text is escaped.

    \b
    Examples:
      qa report results.jsonl --conversations chats.jsonl -o report.html
      qa report --db qa.db -o report.html
    """

    db = resolve_db(ctx, db) if db else None
    res = list(results_from(results, db, run, load_rubric=rubric_loader(ctx)))
    policy = load_policy(rubric_name, res[0] if res else None, rubric_loader(ctx))
    convs = load_transcripts(res, conversations, readers=registry_of(ctx).readers)
    html = render_report(res, convs, policy=policy, title=title, redact=redact)
    with atomic_output(output, "w") as out:
        out.write(html)
    with_t = sum(1 for r in res if r["conversation_id"] in convs)
    click.echo(f"wrote {output}: {len(res)} conversation(s), {with_t} with transcript", err=True)

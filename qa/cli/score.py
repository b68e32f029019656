"""``qa score``: score conversations against a rubric."""

from __future__ import annotations

import sys

import click

from qa.cli.options import input_options, read_options_from, resolve_rubric, rubric_option, select_options
from qa.errors import EXIT_GATE_FAILED, EXIT_REJECTED
from qa.model import SEVERITIES


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@rubric_option
@input_options
@select_options
@click.option("--output-format", "-f", "output_format", default=None,
              help="table (default on a terminal), jsonl (default otherwise), json, csv, or a plugin's format.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write results here (atomically).")
@click.option("--fail-under", type=float, default=None, help="Exit 1 if the mean score is below this.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 if any finding has this severity or worse.")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default 1).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
@click.pass_context
def score(ctx, sources, rubric_name, input_format, mapping, encoding, rejects, strict, select, ignore, output_format,
          output, fail_under, fail_on, jobs, quiet):
    """Score SOURCES (files in any format `qa ingest` reads) against a rubric.

    \b
    Examples:
      qa score chats.jsonl --rubric zh-customer-service
      qa score calls/*.json -r en-customer-service -f jsonl -o results.jsonl --fail-under 80
    Exit codes: 0 ok, 1 quality gate failed, 2 usage or configuration error, 3 rejects under --strict.
    """
    from qa.io import atomic_output
    from qa.rejects import RejectsWriter
    from qa.reporters import get_reporter
    from qa.runner import RunSummary, score_stream

    cfg = ctx.obj.get("config", {})
    rubric = resolve_rubric(ctx, rubric_name)
    fmt, ropts = read_options_from(ctx, input_format, mapping, encoding)
    out_fmt = output_format or cfg.get("format") or ("table" if output is None and sys.stdout.isatty() else "jsonl")
    reporter = get_reporter(out_fmt)
    fail_under = fail_under if fail_under is not None else cfg.get("fail-under")
    fail_on = fail_on or cfg.get("fail-on")
    select = tuple(select) or tuple(cfg.get("select", ()))
    ignore = tuple(ignore) or tuple(cfg.get("ignore", ()))
    summary = RunSummary()
    with RejectsWriter(rejects) as rej:
        results = score_stream(sources, rubric, fmt=fmt, read_options=ropts, summary=summary, on_reject=rej,
                               select=select, ignore=ignore, jobs=jobs or cfg.get("jobs") or 1)
        mode = "wb" if reporter.binary else "w"
        with atomic_output(output, mode) as out:
            reporter.write_results(results, out, {"rubric_label": f"{rubric.id} {rubric.version}"})
    if not quiet:
        s = summary
        click.echo(f"read {s.read.read} record(s): {s.read.accepted} accepted, {s.read.rejected} rejected; "
                   f"scored {s.scored}: {s.passed} passed, {s.failed} failed ({s.fatal} fatal)"
                   + (f", mean {s.mean_score:.1f}" if s.mean_score is not None else "")
                   + (f"; {s.errors} with checker errors" if s.errors else ""), err=True)
        for example in rej.examples[:5]:
            click.echo(f"  rejected {example}", err=True)
        if rej.count > 5:
            click.echo(f"  … {rej.count - 5} more" + (f" in {rejects}" if rejects else " (use --rejects FILE)"), err=True)
    reasons = summary.gate(fail_under, fail_on)
    for r in reasons:
        click.echo(f"quality gate failed: {r}", err=True)
    if strict and summary.read.rejected:
        ctx.exit(EXIT_REJECTED)
    if reasons or summary.errors:
        ctx.exit(EXIT_GATE_FAILED)

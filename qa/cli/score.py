"""``qa score``: score conversations against a rubric."""

from __future__ import annotations

import sys

import click

from qa.cli.options import db_option, input_options, registry_of, rubric_option, select_options
from qa.ingest.base import ReadOptions
from qa.model import SEVERITIES
from qa.run import Interrupted, RunReport, RunRequest, run
from qa.store import display


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
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores; inputs under 2 MB run in one process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster (tcp://HOST:PORT); -o names a directory for part-NNNNN.jsonl files.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted `-o FILE` JSONL run after its last checkpoint (a fresh run if none).")
@click.option("--redact", is_flag=True, help="Replace phone numbers, ID and bank-card numbers, e-mails in evidence "
                                             "and rejects by [PHONE] [ID] [CARD] [EMAIL].")
@db_option("Also store the run in this history database: a SQLite file or postgresql://user@host/db "
           "(see `qa history`).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
@click.pass_context
def score(ctx, sources, rubric_name, input_format, mapping, encoding, rejects, strict, select, ignore, output_format,
          output, fail_under, fail_on, jobs, scheduler, resume, redact, db, quiet):
    """Score SOURCES (files in any format `qa ingest` reads) against a rubric.

    \b
    Examples:
      qa score chats.jsonl --rubric zh-customer-service
      qa score calls/*.json -r en-customer-service -f jsonl -o results.jsonl --fail-under 80
      qa score day.jsonl -r zh-customer-service -o day.scores.jsonl --resume   # after a crash
      qa score 'shared/day/*.jsonl' -r zh-customer-service --scheduler tcp://10.0.0.5:8786 -o shared/out/
      qa score day.jsonl -r zh-customer-service -o day.scores.jsonl --db qa.db   # keep history
    Writing JSONL to a file (-o) checkpoints as it goes: rerun with --resume after a crash or kill.
    Exit codes: 0 ok, 1 quality gate failed, 2 usage or configuration error, 3 rejects under --strict,
    130 interrupted (Ctrl-C).
    """
    cfg = ctx.obj.get("config", {})
    request = RunRequest(
        sources, rubric=rubric_name, output=output, output_format=output_format, rejects=rejects,
        input_format=input_format, read_options=ReadOptions(mapping=mapping, encoding=encoding), select=tuple(select),
        ignore=tuple(ignore), fail_under=fail_under, fail_on=fail_on, strict=strict, jobs=jobs, scheduler=scheduler,
        resume=resume, redact=redact, db=db, registry=registry_of(ctx)).with_config(cfg)
    if request.output_format is None and output is None and sys.stdout.isatty():
        request.output_format = "table"
    try:
        report = run(request, on_scored=None if quiet else _print_summary)
    except Interrupted as exc:
        if not quiet and exc.report is not None:
            _print_summary(exc.report)
        raise
    if report.history is not None and not quiet:
        verb = "stored" if report.history.created else "replaced (same input and rubric)"
        click.echo(f"history: run {report.history.id} {verb} in {display(request.db)}", err=True)
    for reason in report.gate_failures:
        click.echo(f"quality gate failed: {reason}", err=True)
    ctx.exit(report.exit_code)


def _print_summary(report: RunReport) -> None:
    s, rej = report.summary, report.rejects
    if report.resumed_after:
        click.echo(f"resumed after {report.resumed_after:,} record(s) already scored", err=True)
    click.echo(f"read {s.read.read} record(s): {s.read.accepted} accepted, {s.read.rejected} rejected; "
               f"scored {s.scored}: {s.passed} passed, {s.failed} failed ({s.fatal} fatal)"
               + (f", mean {s.mean_score:.1f}" if s.mean_score is not None else "")
               + (f"; {s.errors} with checker errors" if s.errors else ""), err=True)
    for example in rej.examples[:5]:
        click.echo(f"  rejected {example}", err=True)
    if rej.count > 5:
        click.echo(f"  … {rej.count - 5} more" + (f" in {report.rejects_path}" if report.rejects_path
                                                  else " (use --rejects FILE)"), err=True)

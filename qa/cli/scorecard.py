"""``qa scorecard``: per-agent / per-team KPIs per period, from result files or the history db."""

from __future__ import annotations

import dataclasses
import sys

import click

from qa.cli.options import db_option, registry_of, resolve_db, rubric_loader, rubric_option
from qa.errors import EXIT_GATE_FAILED, ConfigError
from qa.io import atomic_output
from qa.reporters import get_reporter
from qa.results.files import load_policy, peek, results_from
from qa.results.scorecard import GROUPINGS, PERIODS, aggregate


def db_options(f):
    f = db_option("Read results from this history database (a SQLite file or postgresql://…) instead of "
                  "RESULTS files.")(f)
    f = click.option("--run", "run", default=None, metavar="RUN",
                     help="With --db: one run (id or 'latest'); default: latest result of every conversation.")(f)
    return f


@click.command()
@click.argument("results", nargs=-1, type=click.Path())
@db_options
@rubric_option
@click.option("--by", "by", default="agent", type=click.Choice(list(GROUPINGS)), show_default=True,
              help="Group rows by agent, team, or both.")
@click.option("--period", default="month", type=click.Choice(PERIODS), show_default=True,
              help="One row per group per period (local date of the conversation start).")
@click.option("--since", default=None, metavar="DATE", help="Only conversations started on or after this date.")
@click.option("--until", default=None, metavar="DATE", help="Only conversations started on or before this date.")
@click.option("--min-conversations", type=int, default=None,
              help="Rows with fewer conversations are marked and not ranked (default: rubric scorecard policy, 5).")
@click.option("--format", "-f", "output_format", default=None,
              help="table (default on a terminal), csv (UTF-8 with BOM), xlsx, json.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write here (atomically).")
@click.option("--fail-under-pass-rate", type=float, default=None, metavar="SHARE",
              help="Exit 1 if any ranked row's pass rate is under this share (0-1): the nightly gate.")
@click.pass_context
def scorecard(ctx, results, db, run, rubric_name, by, period, since, until, min_conversations, output_format, output,
              fail_under_pass_rate):
    """Aggregate score results into one row per agent (and/or team) per period, with the KPIs:
    conversations, mean score, pass rate, fatal, findings per 100 conversations by rule and tag, 投诉率 and
    complaints by type, 平均响应时间, 平均处理时间, 问题解决及时率 (no timing breach), 客户满意度, the change against
    the previous period and the complaint escalation ladder.

    \b
    Examples:
      qa score chats.jsonl -r zh-customer-service -f jsonl -o results.jsonl
      qa scorecard results.jsonl --by agent --period week
      qa scorecard --db qa.db --by team --since 2026-11-01 -f xlsx -o scorecard.xlsx
    Exit codes: 0 ok, 1 a team/agent is under --fail-under-pass-rate, 2 usage error.
    """

    fmt = output_format or ("table" if output is None and sys.stdout.isatty() else "json")
    if output and output_format is None:
        fmt = {"csv": "csv", "xlsx": "xlsx", "json": "json"}.get(output.rsplit(".", 1)[-1].lower(), "table")
    reporter = get_reporter(fmt, registry_of(ctx).reporters, kind="scorecard")
    db = resolve_db(ctx, db) if db else None
    first, stream = peek(results_from(results, db, run, load_rubric=rubric_loader(ctx)))
    policy = load_policy(rubric_name, first, rubric_loader(ctx))
    if min_conversations is not None:
        if min_conversations < 1:
            raise ConfigError("--min-conversations must be at least 1")
        policy = dataclasses.replace(policy, min_conversations=min_conversations)
    if fail_under_pass_rate is not None:
        if not 0 <= fail_under_pass_rate <= 1:
            raise ConfigError("--fail-under-pass-rate is a share between 0 and 1, e.g. 0.8")
        policy = dataclasses.replace(policy, pass_rate_floor=fail_under_pass_rate)
    kept: list[dict] | None = [] if fmt == "xlsx" else None

    def tee(it):
        for r in it:
            if kept is not None:
                kept.append(r)
            yield r

    sc = aggregate(tee(stream), by=by, period=period, policy=policy, since=since, until=until)
    mode = "wb" if reporter.binary else "w"
    with atomic_output(output, mode, newline="" if fmt == "csv" else None) as out:
        reporter.write_scorecard(sc, out, {"results": kept or []})
    if output:
        click.echo(f"wrote {len(sc.rows)} row(s) for {sc.total} conversation(s) to {output}", err=True)
    low = [r for r in sc.rows if r.below_floor and not r.low_volume]
    what = "quality gate failed" if fail_under_pass_rate is not None else "under the pass-rate floor"
    for r in low:
        click.echo(f"{what}: {r.label} {r.period} pass rate {r.pass_rate:.1%} < {policy.pass_rate_floor:.1%}",
                   err=True)
    if low and fail_under_pass_rate is not None:
        ctx.exit(EXIT_GATE_FAILED)

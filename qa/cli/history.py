"""``qa history``: the runs kept in the history database — import, list, show, trend, compare."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

import click

from qa.cli.options import DbTarget, db_option, resolve_db, rubric_loader
from qa.errors import ConfigError
from qa.results.files import read_results, results_from
from qa.results.history import compare_runs, trend
from qa.store import Store, display, fingerprint_files, is_postgres
from qa.store.copy import copy_history


def _format_option(f):
    return click.option("--format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table",
                        show_default=True)(f)


def _console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


def _t(v) -> str:
    from rich.markup import escape

    return escape("—" if v is None else str(v))


@click.group()
def history():
    """Runs kept in the history database — a SQLite file or a PostgreSQL database: import, list, show,
    trend, compare, export.

    \b
    Examples:
      qa score chats.jsonl -r zh-customer-service -f jsonl -o results.jsonl
      qa history import results.jsonl --db qa.db --input chats.jsonl
      qa history list --db qa.db
      qa history compare 1 2 --db qa.db      # what a rubric edit changed
      qa history list --db postgresql://qa@db.example/qa
      qa history export --db qa.db --to postgresql://qa@db.example/qa
    """


@history.command("import")
@click.argument("results", nargs=-1, required=True, type=click.Path())
@db_option()
@click.option("--input", "inputs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The scored input files: their bytes fingerprint the run (default: the conversations' identities).")
@click.option("--source", default=None, help="A label for the run (default: the RESULTS file names).")
@click.pass_context
def import_(ctx, results, db, inputs, source):
    """Store RESULTS (from `qa score -f jsonl`) as one run. Importing the same input scored with the same
    rubric again replaces that run instead of adding a duplicate."""

    path = resolve_db(ctx, db, must_exist=False)
    fp = fingerprint_files(inputs) if inputs else None
    with Store(path) as st:
        info = st.record_run(read_results(results), input_fingerprint=fp,
                             source=source or ", ".join(os.path.basename(r) for r in results))
    verb = "stored" if info.created else "replaced (same input and rubric)"
    click.echo(f"run {info.id} {verb}: {info.conversations} conversation(s), rubric "
               f"{info.rubric.get('id')} {info.rubric.get('version')} in {display(path)}")


@history.command("list")
@db_option()
@_format_option
@click.pass_context
def list_(ctx, db, output_format):
    """All runs: when, rubric, input fingerprint and counts."""

    with Store(resolve_db(ctx, db)) as st:
        runs = st.runs()
    if output_format == "json":
        click.echo(json.dumps(runs, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title="runs")
    for col in ("run", "updated", "rubric", "hash", "input", "source", "conversations", "passed", "fatal",
                "findings", "mean"):
        table.add_column(col, justify="right" if col in ("run", "conversations", "passed", "fatal", "findings",
                                                         "mean") else "left")
    for r in runs:
        table.add_row(str(r["id"]), _t(r["updated_at"]), _t(f"{r['rubric_id']} {r['rubric_version']}"),
                      _t(r["rubric_hash"][:10]), _t(r["input_fingerprint"][:10]), _t(r["source"]),
                      str(r["conversations"]), str(r["passed"]), str(r["fatal"]), str(r["findings"]),
                      "—" if r["mean_score"] is None else f"{r['mean_score']:.1f}")
    _console().print(table)


@history.command("show")
@click.argument("run")
@db_option()
@_format_option
@click.option("--limit", default=10, show_default=True, help="Worst conversations to list.")
@click.pass_context
def show(ctx, run, db, output_format, limit):
    """One run: its rubric, counts, findings per rule and its worst conversations."""

    with Store(resolve_db(ctx, db)) as st:
        info = st.run(run)
        results = list(st.results(info["id"]))
    rules = Counter(f["rule"] for r in results for f in r.get("findings") or ())
    worst = sorted(results, key=lambda r: (r["score"], r["conversation_id"]))[:limit]
    if output_format == "json":
        click.echo(json.dumps({"run": info, "findings_by_rule": dict(rules.most_common()),
                               "worst": [{k: r.get(k) for k in ("conversation_id", "agent_id", "team", "score",
                                                                 "passed", "fatal")} for r in worst]},
                              ensure_ascii=False, indent=2))
        return
    con = _console()
    con.print(f"run {info['id']} · rubric {_t(info['rubric_id'])} {_t(info['rubric_version'])} "
              f"({_t(info['rubric_hash'][:12])}) · {info['conversations']} conversations, {info['passed']} passed, "
              f"{info['fatal']} fatal · mean {info['mean_score'] or 0:.1f} · {_t(info['source'])}")
    from rich.table import Table

    t = Table(title="findings by rule")
    t.add_column("rule")
    t.add_column("findings", justify="right")
    for k, v in rules.most_common():
        t.add_row(_t(k), str(v))
    con.print(t)
    t = Table(title=f"worst {len(worst)} conversations")
    for col in ("conversation", "agent", "score", "result", "rules"):
        t.add_column(col)
    for r in worst:
        t.add_row(_t(r["conversation_id"]), _t(r.get("agent_id")), f"{r['score']:.1f}",
                  "FATAL" if r.get("fatal") else ("pass" if r["passed"] else "fail"),
                  _t(", ".join(sorted({f["rule"] for f in r.get("findings") or ()}))))
    con.print(t)


@history.command("trend")
@db_option()
@click.option("--by", default="agent", type=click.Choice(["agent", "team"]), show_default=True)
@click.option("--period", default="month", type=click.Choice(["day", "week", "month", "year"]), show_default=True)
@_format_option
@click.pass_context
def trend_(ctx, db, by, period, output_format):
    """Mean score per agent (or team) per period, over the latest result of every conversation."""

    data = trend(results_from((), resolve_db(ctx, db), load_rubric=rubric_loader(ctx)), by=by, period=period)
    if output_format == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=lambda x: None))
        return
    from rich.table import Table

    t = Table(title=f"mean score by {by} per {period} (conversations)")
    t.add_column(by)
    for p in data["periods"]:
        t.add_column(_t(p), justify="right")
    for label, cells in sorted(data["series"].items()):
        row = [_t(label)]
        for p in data["periods"]:
            c = cells.get(p)
            row.append("" if c is None else f"{c['mean_score']:.1f} ({c['conversations']})")
        t.add_row(*row)
    _console().print(t)


@history.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@db_option()
@_format_option
@click.option("--limit", default=30, show_default=True, help="Changed conversations to list.")
@click.pass_context
def compare(ctx, run_a, run_b, db, output_format, limit):
    """What changed from RUN_A to RUN_B (e.g. before and after a rubric edit): the conversations whose
    score, verdict or findings changed, the agents concerned, and the rules that caused it."""

    with Store(resolve_db(ctx, db)) as st:
        cmp = compare_runs(st, run_a, run_b)
    if output_format == "json":
        click.echo(json.dumps(cmp, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    con = _console()
    a, b = cmp["run_a"], cmp["run_b"]
    con.print(f"run {a['id']} ({_t(a['rubric_id'])} {_t(a['rubric_version'])}) → run {b['id']} "
              f"({_t(b['rubric_id'])} {_t(b['rubric_version'])}): {len(cmp['changed'])} conversation(s) changed, "
              f"{cmp['unchanged']} unchanged, {len(cmp['only_in_a'])} only in {a['id']}, "
              f"{len(cmp['only_in_b'])} only in {b['id']}")
    t = Table(title="rules that caused the changes")
    for col in ("rule", "findings added", "findings removed", "conversations"):
        t.add_column(col, justify="left" if col == "rule" else "right")
    for r in cmp["rules"]:
        t.add_row(_t(r["rule"]), f"+{r['added']}", f"-{r['removed']}", str(r["conversations"]))
    con.print(t)
    t = Table(title="agents")
    for col in ("agent", "changed", "mean Δ score", "verdict flips"):
        t.add_column(col, justify="left" if col == "agent" else "right")
    for r in cmp["agents"]:
        t.add_row(_t(r["agent_id"]), str(r["changed"]), f"{r['mean_delta']:+.1f}", str(r["verdict_flips"]))
    con.print(t)
    t = Table(title=f"changed conversations (largest first, {min(limit, len(cmp['changed']))} shown)")
    for col in ("conversation", "agent", "score", "Δ", "verdict", "rules"):
        t.add_column(col)
    for c in cmp["changed"][:limit]:
        verdict = ("pass" if c["passed_a"] else "fail") + " → " + ("pass" if c["passed_b"] else "fail")
        rules = [f"+{k}×{v}" for k, v in c["rules_added"].items()] + [f"-{k}×{v}" for k, v in
                                                                     c["rules_removed"].items()]
        t.add_row(_t(c["conversation_id"]), _t(c["agent_id"]), f"{c['score_a']:.1f} → {c['score_b']:.1f}",
                  f"{c['delta']:+.1f}", verdict, _t(" ".join(rules)))
    con.print(t)


@history.command("export")
@db_option("The history to copy (default: `db` in config, else qa.db).")
@click.option("--to", "dest", required=True, metavar="DB",
              help="Where to copy it: postgresql://user@host/db, or another SQLite file.")
@click.option("--redact", is_flag=True, help="Replace phone, ID-card and bank-card numbers and e-mails in the "
                                             "copied results and review comments by [PHONE] [ID] [CARD] [EMAIL].")
@click.pass_context
def export(ctx, db, dest, redact):
    """Copy every run and review of the history (e.g. a SQLite file) into another database (e.g. the
    team's PostgreSQL). Runs keep their input fingerprint, rubric and creation time, so exporting
    again replaces the runs copied before instead of adding duplicates; reviews already there are
    skipped."""

    source = resolve_db(ctx, db)
    dest = DbTarget().convert(dest, None, ctx)
    files = not is_postgres(source) and not is_postgres(dest) and os.path.exists(dest)
    if source == dest or (files and os.path.samefile(source, dest)):
        raise ConfigError(f"--to names the history being exported ({display(dest)})")
    with Store(source) as src, Store(dest) as dst:
        stats = copy_history(src, dst, redact=redact)
    click.echo(f"copied {stats.runs} run(s), {stats.conversations} conversation(s) "
               f"({stats.created} new, {stats.replaced} replaced), {stats.reviews} review(s) "
               f"({stats.reviews_skipped} already there) from {display(source)} to {display(dest)}"
               + (", redacted" if redact else ""))

"""``qa calibrate``: how far automatic results agree with human reviewers, and which rules to fix."""

from __future__ import annotations

import json

import click

from qa.cli.options import db_option, resolve_db
from qa.errors import ConfigError
from qa.results.calibrate import calibrate as run
from qa.results.calibrate import read_human_csv, verdicts_from_reviews
from qa.results.files import read_results
from qa.store import Store


@click.command()
@click.argument("results", required=False, type=click.Path(exists=True, dir_okay=False))
@click.argument("human", required=False, type=click.Path(exists=True, dir_okay=False))
@db_option("Instead of RESULTS and HUMAN.csv: the latest results in this history database (a SQLite file "
           "or postgresql://…) against the QA leads' reviews (`qa review`).")
@click.option("--min-precision", default=0.8, show_default=True, help="Flag rules with lower precision.")
@click.option("--min-recall", default=0.8, show_default=True, help="Flag rules with lower recall.")
@click.option("--format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def calibrate(ctx, results, human, db, min_precision, min_recall, output_format):
    """Compare RESULTS (from `qa score -f jsonl`) with HUMAN.csv (conversation_id with score/passed, or
    rule/violated per row): per-rule precision and recall, Cohen's kappa on pass/fail, MAE of scores.

    \b
    Examples:
      qa calibrate results.jsonl reviewed_by_lead.csv
      qa calibrate --db qa.db
    """
    if db:
        if results or human:
            raise ConfigError("give RESULTS HUMAN.csv or --db, not both")
        with Store(resolve_db(ctx, db)) as st:
            auto = list(st.results())
            rep = run(auto, verdicts_from_reviews(auto, st.reviews()), min_precision, min_recall)
    elif results and human:
        rep = run(read_results(results), read_human_csv(human), min_precision, min_recall)
    else:
        raise ConfigError("give RESULTS and HUMAN.csv, or --db", hint="see `qa calibrate --help`")
    if output_format == "json":
        click.echo(json.dumps(rep, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    def f(v, pct=False):
        return "—" if v is None else (f"{v:.1%}" if pct else f"{v:.3f}")

    con = Console()
    pf, sc = rep["pass_fail"], rep["scores"]
    con.print(f"{rep['conversations']} conversation(s) judged by humans"
              + (f"; {len(rep['missing'])} not in the results: {escape(', '.join(rep['missing'][:5]))}"
                 if rep["missing"] else ""))
    con.print(f"pass/fail: n={pf['n']}, agreement {f(pf['agreement'], True)}, Cohen's kappa {f(pf['kappa'])} "
              f"(auto pass/human fail {pf['auto_pass_human_fail']}, auto fail/human pass {pf['auto_fail_human_pass']})")
    con.print(f"scores: n={sc['n']}, mean absolute error {f(sc['mae'])}, max {f(sc['max_abs_error'])}")
    t = Table(title="rules (worst first)")
    for col in ("rule", "TP", "FP", "FN", "TN", "precision", "recall", "what to change"):
        t.add_column(col, justify="left" if col in ("rule", "what to change") else "right")
    for e in rep["rules"]:
        t.add_row(escape(e["rule"]), str(e["tp"]), str(e["fp"]), str(e["fn"]), str(e["tn"]),
                  f(e["precision"], True), f(e["recall"], True), escape("; ".join(e["advice"])))
    con.print(t)

"""``qa review``: a QA lead's verdicts on findings and manual scores, kept in the history database."""

from __future__ import annotations

import getpass
import json

import click

from qa.cli.history import _t
from qa.cli.options import db_option, resolve_db, rubric_loader
from qa.errors import ConfigError
from qa.eval.review_labels import export_from_store
from qa.io import atomic_output
from qa.store import Store, finding_key


def _reviewer(name):
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment: reviews stay anonymous
        return None


@click.group()
def review():
    """Record a QA lead's verdict on a finding (wrong / right, with a comment) or a manual score.
    Scorecards and reports read from the database respect them.

    \b
    Examples:
      qa review show c-0001 --db qa.db
      qa review finding c-0001 2 --wrong -m "解释了原因并给出方案，不是推诿" --db qa.db
      qa review score c-0001 85 -m "客户挂断，不计首响" --db qa.db
      qa review list --db qa.db
    """


@review.command("show")
@click.argument("conversation_id")
@db_option()
@click.pass_context
def show(ctx, conversation_id, db):
    """The latest result of a conversation: numbered findings, with their reviews."""

    with Store(resolve_db(ctx, db)) as st:
        r = st.latest_result(conversation_id)
        reviews = st.reviews(conversation_id)
    verdicts = {rv["finding_key"]: rv for rv in reviews if rv["finding_key"]}
    click.echo(f"{conversation_id}: score {r['score']:.1f} ({'pass' if r['passed'] else 'fail'}), "
               f"agent {r.get('agent_id') or '—'}")
    for k, f in enumerate(r.get("findings") or (), 1):
        rv = verdicts.get(finding_key(f))
        mark = f"  [{rv['verdict']}: {rv['comment'] or ''}]" if rv else ""
        click.echo(f"  {k}. {f['rule']} [{f.get('severity')}] turn {f.get('turn')} "
                   f"«{f.get('evidence') or ''}» {f.get('message')}{mark}")
    for rv in reviews:
        if rv["verdict"] == "score":
            click.echo(f"  manual score {rv['score']:g} by {rv['reviewer'] or '—'}: {rv['comment'] or ''}")


@review.command("finding")
@click.argument("conversation_id")
@click.argument("finding")
@click.option("--wrong", "verdict", flag_value="wrong", help="The finding is a false alarm.")
@click.option("--right", "verdict", flag_value="right", help="The finding is correct.")
@click.option("--comment", "-m", default=None, help="Why.")
@click.option("--reviewer", default=None, help="Who reviews (default: the login name).")
@db_option()
@click.pass_context
def finding(ctx, conversation_id, finding, verdict, comment, reviewer, db):
    """Mark FINDING of CONVERSATION_ID wrong or right. FINDING is its number in `qa review show`, a rule
    id (every finding of that rule in the conversation), or a key rule@turn:start-end."""

    if verdict is None:
        raise ConfigError("say --wrong or --right")
    with Store(resolve_db(ctx, db)) as st:
        r = st.latest_result(conversation_id)
        fs = r.get("findings") or []
        if finding.isdigit():
            k = int(finding)
            if not 1 <= k <= len(fs):
                raise ConfigError(f"{conversation_id} has {len(fs)} finding(s); there is no number {k}",
                                  hint=f"see `qa review show {conversation_id}`")
            keys = [finding_key(fs[k - 1])]
        elif "@" in finding:
            keys = [finding] if finding in {finding_key(f) for f in fs} else []
        else:
            keys = [finding_key(f) for f in fs if f["rule"] == finding]
        if not keys:
            raise ConfigError(f"no finding {finding!r} in {conversation_id}",
                              hint=f"see `qa review show {conversation_id}`")
        for key in keys:
            st.add_review(conversation_id, verdict, finding=key, comment=comment, reviewer=_reviewer(reviewer))
    click.echo(f"recorded {len(keys)} review(s): {', '.join(keys)} marked {verdict}")


@review.command("score")
@click.argument("conversation_id")
@click.argument("score", type=float)
@click.option("--comment", "-m", default=None, help="Why.")
@click.option("--reviewer", default=None, help="Who reviews (default: the login name).")
@db_option()
@click.pass_context
def score(ctx, conversation_id, score, comment, reviewer, db):
    """Set a manual SCORE for CONVERSATION_ID (replaces the automatic score in scorecards and reports)."""

    if not 0 <= score <= 1000:
        raise ConfigError(f"score {score:g} is out of range")
    with Store(resolve_db(ctx, db)) as st:
        st.latest_result(conversation_id)
        st.add_review(conversation_id, "score", score=score, comment=comment, reviewer=_reviewer(reviewer))
    click.echo(f"recorded manual score {score:g} for {conversation_id}")


@review.command("list")
@db_option()
@click.option("--format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def list_(ctx, db, output_format):
    """Every review, oldest first."""

    with Store(resolve_db(ctx, db)) as st:
        rows = st.reviews()
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="reviews")
    for col in ("id", "when", "reviewer", "conversation", "finding", "verdict", "score", "comment"):
        t.add_column(col)
    for rv in rows:
        t.add_row(str(rv["id"]), _t(rv["created_at"]), _t(rv["reviewer"]), _t(rv["conversation_id"]),
                  _t(rv["finding_key"]), rv["verdict"], _t(rv["score"]), _t(rv["comment"]))
    Console().print(t)


@review.command("export")
@db_option()
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write the labels here (JSONL; default: standard output).")
@click.option("--pass-mark", type=float, default=None,
              help="Turn manual scores into pass/fail verdicts at this mark (default: the pass mark of the "
                   "rubric each conversation was scored with, when it still loads).")
@click.pass_context
def export(ctx, db, output, pass_mark):
    """Write the reviews as labels for `qa eval`: one record per reviewed conversation, a per-rule label
    for each reviewed finding (right = violated, wrong = not) and a verdict from a manual score.

    \b
    Example:
      qa review export --db qa.db -o reviewed.jsonl
      qa eval zh-customer-service week12.jsonl --labels reviewed.jsonl
    """

    with Store(resolve_db(ctx, db)) as st:
        records, no_mark = export_from_store(st, pass_mark, load_rubric=rubric_loader(ctx))
    with atomic_output(output) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    note = f"; {no_mark} manual score(s) without a verdict (pass mark unknown: pass --pass-mark)" if no_mark else ""
    click.echo(f"exported {len(records)} reviewed conversation(s){note}", err=True)

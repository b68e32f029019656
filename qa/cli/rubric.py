"""``qa rubric``: list, show, lint, test, diff rubrics, and try a similarity rule on texts."""

from __future__ import annotations

import json

import click

from qa.cli.options import registry_of, rubric_loader
from qa.errors import EXIT_GATE_FAILED, QAError
from qa.rules.rubric.loader import known_rubrics

FORMAT = click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
                      help="text (default) or json.")


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group()
def rubric():
    """List, show, lint, test and diff rubrics; try a similarity rule on texts.

    \b
    RUBRIC is a name found in the rubric search paths (see `qa rubric list`) or a path to a YAML file.
    """


@rubric.command("list")
@FORMAT
@click.pass_context
def list_cmd(ctx, fmt):
    """Rubrics in the search paths (QA_RUBRIC_PATH, then plugins'), with id, version and rule count."""
    search_paths = registry_of(ctx).rubric_search_paths()
    load_rubric = rubric_loader(ctx)
    rows = []
    for name, path in known_rubrics(search_paths):
        try:
            r = load_rubric(path)
            rows.append({"name": name, "id": r.id, "version": r.version, "title": r.title, "language": r.language,
                         "rules": len(r.active_rules), "path": str(path), "error": None})
        except QAError as exc:
            rows.append({"name": name, "path": str(path), "error": str(exc)})
    if fmt == "json":
        _echo_json(rows)
        return
    if not rows:
        paths = ", ".join(map(str, search_paths)) or "(none)"
        click.echo(f"no rubrics found in the search paths: {paths}")
        return
    for row in rows:
        if row["error"]:
            click.echo(f"{row['name']:<28} BROKEN  {row['error']}")
        else:
            click.echo(f"{row['name']:<28} {row['version']:<10} {row['language']:<4} {row['rules']:>3} rules  "
                       f"{row['title']}  ({row['path']})")


@rubric.command()
@click.argument("name")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="text (default), json, or markdown documentation for agents.")
@click.option("--all", "show_all", is_flag=True, help="Also show disabled rules.")
@click.pass_context
def show(ctx, name, fmt, show_all):
    """Show a rubric's scoring, sections and rules with their checker options."""
    from qa.rules.rubric.render import lexicon_users, rubric_markdown, rubric_summary, written

    r = rubric_loader(ctx)(name)
    if fmt == "json":
        _echo_json(rubric_summary(r))
        return
    if fmt == "markdown":
        click.echo(rubric_markdown(r), nl=False)
        return
    s = r.scoring
    click.echo(f"{r.id} {r.version}  {r.title}  [{r.language}]  {r.hash}")
    click.echo(f"  file: {r.path}" + (f"  extends: {', '.join(r.extends)}" if r.extends else ""))
    click.echo(f"  scoring: base {s.base:g}, pass mark {s.pass_mark:g}, fatal policy {s.fatal}")
    for sec in r.sections:
        click.echo(f"  section {sec.id} ({sec.title}): weight {sec.weight:g}")
    users = lexicon_users(r)
    for lex in r.lexicons.values():
        shown = ", ".join(lex.written)
        more = f" → {len(lex.phrases)} phrases" if lex.refs else ""
        click.echo(f"  lexicon ${lex.name}: {shown}{more}" + (f"  — {lex.about}" if lex.about else ""))
        click.echo(f"    defined at {lex.origin}; used by {', '.join(users[lex.name]) or 'no rule'}")
    for rule in r.rules:
        if not rule.enabled and not show_all:
            continue
        cap = f" (max {rule.cap:g})" if rule.max_points is not None else ""
        click.echo(f"\n{rule.id}{'' if rule.enabled else '  [disabled]'}  — {rule.title}")
        click.echo(f"  checker {rule.checker}, {rule.severity}, {rule.points:g} point(s){cap}"
                   + (f", section {rule.section}" if rule.section else "")
                   + (f", tags {', '.join(rule.tags)}" if rule.tags else ""))
        scope = {k: v for k, v in rule.scope.__dict__.items() if v is not None}
        if scope:
            click.echo(f"  scope: {_fmt(scope)}")
        for key, value in rule.options.items():
            if value not in (None, [], {}, False, 0) or key in ("phrases", "patterns"):
                click.echo(f"  {key}: {_fmt(written(rule, key, value))}")
        if rule.unless:
            click.echo(f"  unless: {_fmt({k: written(rule, f'unless.{k}', v) for k, v in rule.unless.__dict__.items() if v})}")
        if rule.why:
            click.echo(f"  why: {rule.why}")
        if rule.source:
            click.echo(f"  source: {rule.source}")
        n_pass = sum(e.kind == "pass" for e in rule.examples)
        click.echo(f"  examples: {len(rule.examples) - n_pass} fail, {n_pass} pass   ({rule.origin})")


def _fmt(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@rubric.command()
@click.argument("name")
@FORMAT
@click.option("--no-examples", is_flag=True, help="Skip the check that runs pass examples through every rule.")
@click.pass_context
def lint(ctx, name, fmt, no_examples):
    """Find duplicate, redundant and unreachable phrases, rules without examples or why, and pass examples
    that other rules flag. Exit 1 when there are warnings."""
    from qa.rules.rubric.lint import lint_rubric

    r = rubric_loader(ctx)(name)
    reg = registry_of(ctx)
    issues = lint_rubric(r, reg.checkers, embedders=reg.embedders, run_examples=not no_examples)
    if fmt == "json":
        _echo_json([i.to_dict() for i in issues])
    else:
        for issue in issues:
            click.echo(str(issue))
        counts: dict[str, int] = {}
        for i in issues:
            counts[i.code] = counts.get(i.code, 0) + 1
        click.echo(f"{r.id} {r.version}: {len(issues)} issue(s)"
                   + (" — " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts else ""), err=True)
    if any(i.level == "warning" for i in issues):
        raise SystemExit(EXIT_GATE_FAILED)


@rubric.command()
@click.argument("name")
@click.option("--rule", "rules", multiple=True, metavar="ID", help="Only this rule's examples (repeatable).")
@FORMAT
@click.option("--verbose", "-v", is_flag=True, help="List passing examples too.")
@click.pass_context
def test(ctx, name, rules, fmt, verbose):
    """Run every rule's pass/fail examples. Exit 1 if any example fails."""
    from qa.rules.rubric.examples import run_examples

    r = rubric_loader(ctx)(name)
    reg = registry_of(ctx)
    results = run_examples(r, reg.checkers, rules or None, embedders=reg.embedders)
    failed = [x for x in results if not x.ok]
    if fmt == "json":
        _echo_json({"rubric": r.ref(), "examples": len(results), "failed": len(failed),
                    "results": [x.to_dict() for x in results]})
    else:
        for x in results:
            if verbose or not x.ok:
                click.echo(x.describe())
        n_rules = len({x.rule for x in results})
        click.echo(f"{r.id} {r.version}: {len(results)} example(s) of {n_rules} rule(s), {len(failed)} failed",
                   err=True)
    if failed:
        raise SystemExit(EXIT_GATE_FAILED)


@rubric.command()
@click.argument("old")
@click.argument("new")
@FORMAT
@click.pass_context
def diff(ctx, old, new, fmt):
    """Rules added, removed and changed (which keys) from rubric OLD to rubric NEW.

    \b
    Either may be a committed version of a file, PATH@REV (any git revision):
      qa rubric diff rubrics/zh-customer-service.yaml@v1.0.0 rubrics/zh-customer-service.yaml
    """
    from qa.rules.rubric.diff import diff_rubrics, load_version

    reg = registry_of(ctx)
    checkers, search_paths = reg.checkers, reg.rubric_search_paths()
    d = diff_rubrics(load_version(old, checkers=checkers, search_paths=search_paths),
                     load_version(new, checkers=checkers, search_paths=search_paths))
    if fmt == "json":
        _echo_json(d.to_dict())
    else:
        for line in d.lines():
            click.echo(line)


@rubric.command("try")
@click.argument("name")
@click.argument("rule_id", metavar="RULE")
@click.argument("texts", nargs=-1)
@click.option("--top", type=int, default=5, show_default=True, help="Sentences shown per unit, closest first (0 = all).")
@FORMAT
@click.pass_context
def try_cmd(ctx, name, rule_id, texts, fmt, top):
    """Show how similar each TEXT is to a similarity rule's sentences, so a threshold can be set by looking.

    \b
    Each text is cut into the rule's units; for each unit the similarity to every similar_to and
    unless_similar_to sentence is printed, closest first, and whether the rule would flag it.
    Without TEXT, one text per line is read from standard input.
      qa rubric try similar-zh similar.callback 好的，核实后短信告知您 您可以联系商家
    """
    from qa.engine import compile_rubric

    reg = registry_of(ctx)
    r = rubric_loader(ctx)(name)
    try:
        rule = r.rule(rule_id)
    except KeyError:
        from qa.errors import did_you_mean

        hint = did_you_mean(rule_id, [x.id for x in r.rules])
        raise click.UsageError(f"rubric {r.id!r} has no rule {rule_id!r}" + (f" — {hint}" if hint else "")) from None
    if rule.checker != "similar":
        raise click.UsageError(f"rule {rule_id!r} uses checker {rule.checker!r}; `qa rubric try` explains "
                               "similarity rules (checker: similar)")
    if not texts:
        texts = tuple(line.rstrip("\n") for line in click.get_text_stream("stdin") if line.strip())
    checker = compile_rubric(r, reg.checkers, embedders=reg.embedders, select=[rule_id]).rules[0].checker
    rows = checker.explain(list(texts))
    if fmt == "json":
        _echo_json({"rule": rule_id, "backend": checker.backend.name, "threshold": checker.threshold,
                    "unit": checker.unit, "similar_to": checker.similar_to,
                    "unless_similar_to": checker.unless_similar_to, "texts": rows})
        return
    click.echo(f"{rule_id}: backend {checker.backend.name}, threshold {checker.threshold:g}, unit {checker.unit}")
    for row in rows:
        click.echo(f"\n“{row['text']}”  → {'flagged' if row['matches'] else 'not flagged'}")
        if not row["units"]:
            click.echo(f"  no unit of at least {checker.min_chars} characters to compare")
        for u in row["units"]:
            click.echo(f"  unit “{u['unit']}”: {'matches' if u['matches'] else 'no match'}")
            pairs = [(s, "similar_to", t) for s, t in zip(u["similar_to"], checker.similar_to, strict=True)]
            pairs += [(s, "unless", t) for s, t in zip(u["unless_similar_to"], checker.unless_similar_to, strict=True)]
            ranked = sorted(pairs, key=lambda x: -x[0])
            for s, kind, t in ranked[:top] if top else ranked:
                mark = "≥" if kind == "similar_to" and s >= checker.threshold else " "
                click.echo(f"    {s:5.2f} {mark} {kind:<10} {t}")

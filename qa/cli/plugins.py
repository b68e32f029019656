"""``qa plugins``: list the loaded plugins and what they registered; scaffold a new plugin package."""

from __future__ import annotations

import json

import click

from qa.plugins.registry import PluginOptions, diagnose
from qa.scaffold import create_plugin

KINDS = ("checkers", "readers", "reporters", "embedders", "rubrics", "commands")


@click.group()
def plugins():
    """List installed plugins, scaffold a new one."""


@plugins.command("list")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "include_builtin", is_flag=True, help="Include qa's builtin plugin.")
@click.pass_context
def list_plugins(ctx, fmt, include_builtin):
    """Each plugin with its distribution, version and what it registered.

    A plugin that fails to load is listed as BROKEN with the reason (exit code 2); the others are
    listed as usual.

    \b
    Examples:
      qa plugins list
      qa plugins list --all --format json
    """

    options = ctx.find_root().obj.get("plugin_options") or PluginOptions.from_env()
    rows = diagnose(options, include_builtin=include_builtin)
    broken = [r for r in rows if r["error"]]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        click.echo("no plugins installed besides qa's builtins (use --all to show them too)")
    for row in rows if fmt == "text" else ():
        dist = f"{row['distribution']} {row['version'] or ''}".strip() if row["distribution"] else "no distribution"
        click.echo(f"{row['name']}  ({dist}; {row['source']}: {row['module']})")
        for kind in KINDS:
            if row[kind]:
                click.echo(f"  {kind + ':':<11}{', '.join(row[kind])}")
        if row["error"]:
            click.echo(f"  BROKEN: {row['error']}")
        elif not any(row[k] for k in KINDS):
            click.echo("  registers nothing" + (f" (hooks: {', '.join(row['hooks'])})" if row["hooks"] else ""))
    if broken:
        raise click.exceptions.Exit(2)


@plugins.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Create the package folder inside this directory.")
def new_plugin(name, directory):
    """Scaffold a plugin package NAME: pyproject with the entry point, a checker, a rubric using it,
    rule example tests and a README. It passes its own tests right after `pip install -e`.

    \b
    Example:
      qa plugins new demo_pack && cd qa-demo-pack && pip install -e . && pytest
    """

    created = create_plugin(name, directory)
    click.echo(f"created {created.root} ({len(created.files)} files):")
    for f in created.files:
        click.echo(f"  {f}")
    click.echo(f"next: cd {created.root} && pip install -e . && pytest")

"""The ``qa`` command line: a thin layer over the library.

Commands live one per module in this package and are imported only when invoked, so ``qa --help``
stays fast. Plugins add commands through the ``qa_commands`` hook. User mistakes (``QAError``)
print one clear line and exit with the error's code; ``--debug`` shows the traceback.

Exit codes: 0 ok, 1 quality gate failed, 2 usage/configuration error, 3 input rejected under --strict.
"""

from __future__ import annotations

import importlib
import sys

import click

from qa.cli.options import registry_of
from qa.config import load_config
from qa.errors import EXIT_USAGE, QAError
from qa.plugins.registry import PluginOptions, Registry
from qa.version import __version__

# name -> "module:attribute"; each module owns one command (or group).
COMMANDS = {
    "ingest": "qa.cli.ingest:ingest",
    "validate": "qa.cli.ingest:validate",
    "score": "qa.cli.score:score",
    "explain": "qa.cli.explain:explain",
    "rubric": "qa.cli.rubric:rubric",
    "scorecard": "qa.cli.scorecard:scorecard",
    "report": "qa.cli.report:report",
    "history": "qa.cli.history:history",
    "review": "qa.cli.review:review",
    "calibrate": "qa.cli.calibrate:calibrate",
    "eval": "qa.cli.eval:eval_",
    "classify": "qa.cli.classify:classify",
    "keywords": "qa.cli.keywords:keywords",
    "plugins": "qa.cli.plugins:plugins",
    "demo": "qa.cli.demo:demo",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx):
        names = [n for n, target in COMMANDS.items() if _module_exists(target)]
        names += [c.name for c in _plugin_commands(ctx) if c.name not in COMMANDS]
        return sorted(set(names) | set(self.commands))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is not None and _module_exists(target):
            module, attr = target.split(":")
            return getattr(importlib.import_module(module), attr)
        for cmd in _plugin_commands(ctx):
            if cmd.name == name:
                return cmd
        return None

    def format_commands(self, ctx, formatter):
        # Short help without importing every command module.
        rows = []
        for name in self.list_commands(ctx):
            rows.append((name, SHORT_HELP.get(name, "")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


SHORT_HELP = {
    "ingest": "Convert conversations from any supported format to canonical JSONL.",
    "validate": "Check input files without writing; summary of problems.",
    "score": "Score conversations against a rubric (the main job).",
    "explain": "Show a transcript with each finding highlighted, and why.",
    "rubric": "List, show, lint, test and diff rubrics.",
    "scorecard": "Per-agent / per-team KPIs per period.",
    "report": "Self-contained HTML report with charts and drill-down.",
    "history": "Runs kept in the history database: list, show, trend, compare.",
    "review": "Record a QA lead's verdict on a finding or a manual score.",
    "calibrate": "Agreement between automatic results and human reviewers.",
    "eval": "Measure a rubric against human labels (devset or your own reviewed sample).",
    "classify": "Train, evaluate and apply the complaint-type classifier.",
    "keywords": "Suggest complaint keywords from labelled data.",
    "plugins": "List installed plugins, scaffold a new one.",
    "demo": "Run the whole flow on the bundled sample data.",
}


def _module_exists(target: str) -> bool:
    import importlib.util

    module = target.split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _plugin_commands(ctx) -> list:
    """The plugins' commands; with ``--help`` before the options were processed, the installed plugins'."""
    try:
        if ctx.obj and "plugin_options" in ctx.obj:
            return registry_of(ctx).commands
        if "help_registry" not in ctx.meta:
            ctx.meta["help_registry"] = Registry.build(PluginOptions.from_env())
        return ctx.meta["help_registry"].commands
    except QAError:
        return []


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "-V", "--version", prog_name="qa")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE", help="Load a plugin module (repeatable).")
@click.option("--plugins-disable", "plugins_disable", multiple=True, metavar="NAME",
              help="Do not load this entry-point plugin (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: nearest qa.toml or pyproject.toml [tool.qa]).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx, plugins, plugins_disable, config_path, debug):
    """qa — a linter for customer-service conversations.

    Score chat logs and call transcripts against a versioned YAML rubric, with evidence for every
    point deducted. Start with `qa demo`, then `qa score FILE --rubric zh-customer-service`.
    """
    cfg_path, cfg = load_config(config_path)
    ctx.ensure_object(dict)
    ctx.obj["config"] = cfg
    ctx.obj["config_path"] = cfg_path
    ctx.obj["debug"] = debug
    mods = tuple(plugins) + tuple(cfg.get("plugins", []))
    disabled = tuple(plugins_disable) + tuple(cfg.get("plugins-disable", []))
    ctx.obj["plugin_options"] = PluginOptions.from_env(mods, disabled)


def main(argv=None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="qa", standalone_mode=False)
    except QAError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code != 1 else EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv or 0)

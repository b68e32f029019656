"""Option decorators shared by commands (defined once, like sqlfluff's common_options), and what a
command takes from the root group: the configuration and the plugin registry."""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from qa.errors import ConfigError
from qa.ingest.base import ReadOptions
from qa.plugins.registry import PluginOptions, Registry
from qa.rules.rubric.loader import load_rubric
from qa.rules.rubric.model import Rubric


def input_options(f):
    f = click.option("--format", "input_format", default=None, metavar="FORMAT",
                     help="Input format (default: auto — by extension and content). See `qa plugins list`.")(f)
    f = click.option("--mapping", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Mapping file (YAML) for delimited text input.")(f)
    f = click.option("--encoding", default=None, help="Force the input encoding instead of detecting it.")(f)
    f = click.option("--rejects", type=click.Path(dir_okay=False), default=None,
                     help="Write rejected records (JSONL, with file, line, field and reason) here.")(f)
    f = click.option("--strict", is_flag=True, help="Exit 3 if any input record is rejected.")(f)
    return f


def rubric_option(f):
    return click.option("--rubric", "-r", "rubric_name", default=None, metavar="RUBRIC",
                        help="Rubric name (see `qa rubric list`) or path to a YAML file.")(f)


def select_options(f):
    f = click.option("--select", multiple=True, metavar="RULE",
                     help="Only run these rules (id, id prefix such as 'ban', or tag). Repeatable.")(f)
    f = click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules (id, prefix or tag).")(f)
    return f


def registry_of(ctx) -> Registry:
    """The plugin registry of this invocation, built on first use from ``--plugin``/``--plugins-disable``
    and the config (the root group put those options in ``ctx.obj``)."""
    obj = ctx.find_root().obj if ctx is not None else None
    if obj is None:
        return Registry.build(PluginOptions.from_env())
    if "registry" not in obj:
        obj["registry"] = Registry.build(obj.get("plugin_options") or PluginOptions.from_env())
    return obj["registry"]


def rubric_loader(ctx) -> Callable[..., Rubric]:
    """``load(name_or_path)`` with this invocation's checkers and rubric search paths."""
    reg = registry_of(ctx)
    return functools.partial(load_rubric, checkers=reg.checkers, search_paths=reg.rubric_search_paths())


def read_options_from(ctx, input_format, mapping, encoding):
    """Fill ReadOptions and the format from options, falling back to config."""
    cfg = (ctx.obj or {}).get("config", {}) if ctx else {}
    fmt = input_format or cfg.get("input-format") or "auto"
    return fmt, ReadOptions(mapping=mapping or cfg.get("mapping"), encoding=encoding)


def resolve_rubric(ctx, rubric_name) -> Rubric:
    """The rubric named by ``--rubric`` or the config."""
    cfg = (ctx.obj or {}).get("config", {}) if ctx else {}
    name = rubric_name or cfg.get("rubric")
    if not name:
        raise ConfigError("no rubric given", hint="pass --rubric NAME (see `qa rubric list`) or set rubric in [tool.qa]")
    return rubric_loader(ctx)(name)

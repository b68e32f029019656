"""Option decorators shared by commands (defined once, like sqlfluff's common_options), and what a
command takes from the root group: the configuration and the plugin registry."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import click

from qa.errors import ConfigError
from qa.ingest.base import ReadOptions
from qa.plugins.registry import PluginOptions, Registry
from qa.rules.rubric.loader import load_rubric
from qa.rules.rubric.model import Rubric
from qa.store.target import is_postgres


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


class DbTarget(click.ParamType):
    """A history database: a SQLite file path or a PostgreSQL URL (see :mod:`qa.store.target`)."""

    name = "db"

    def convert(self, value, param, ctx):
        value = os.fspath(value)
        if not is_postgres(value) and os.path.isdir(value):
            self.fail(f"{value} is a directory, not a history database file", param, ctx)
        return value


DB_HELP = "a SQLite file, or postgresql://user@host/db (the PG* environment variables fill in what it leaves out)"


def db_option(help_text: str = f"History database: {DB_HELP}. Default: `db` in config, else qa.db."):
    return click.option("--db", default=None, type=DbTarget(), metavar="DB", help=help_text)


def resolve_db(ctx, db, must_exist: bool = True, default: str | None = "qa.db") -> str | None:
    """``--db``, else ``db`` from the config, else ``default``; a SQLite file that must exist is checked."""

    cfg = (ctx.obj or {}).get("config", {}) if ctx and ctx.obj else {}
    target = db or cfg.get("db") or default
    if target and must_exist and not is_postgres(target) and not os.path.exists(target):
        raise ConfigError(f"no history database at {target}",
                          hint=f"create one with `qa history import RESULTS --db {target}` or `qa score … --db {target}`")
    return target

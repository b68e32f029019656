"""Option decorators shared by commands (defined once, like sqlfluff's common_options)."""

from __future__ import annotations

import click


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


def read_options_from(ctx, input_format, mapping, encoding):
    """Fill ReadOptions and the format from options, falling back to config."""
    from qa.ingest import ReadOptions

    cfg = (ctx.obj or {}).get("config", {}) if ctx else {}
    fmt = input_format or cfg.get("input-format") or "auto"
    return fmt, ReadOptions(mapping=mapping or cfg.get("mapping"), encoding=encoding)


def resolve_rubric(ctx, rubric_name):
    from qa.errors import ConfigError
    from qa.rules.rubric import load_rubric

    cfg = (ctx.obj or {}).get("config", {}) if ctx else {}
    name = rubric_name or cfg.get("rubric")
    if not name:
        raise ConfigError("no rubric given", hint="pass --rubric NAME (see `qa rubric list`) or set rubric in [tool.qa]")
    return load_rubric(name)

"""``qa ingest`` (convert to canonical JSONL) and ``qa validate`` (check without writing)."""

from __future__ import annotations

import re

import click

from qa.cli.options import input_options, read_options_from, registry_of
from qa.errors import EXIT_REJECTED, ConfigError
from qa.ingest.convert import progress_bar, summary_lines
from qa.ingest.rejects import RejectsWriter
from qa.ingest.roles import parse_role_map
from qa.io import atomic_output


def reader_options(f):
    f = click.option("--role", "roles", multiple=True, metavar="NAME=ROLE",
                     help="Map a speaker name or label to a role (agent, customer, system, bot); "
                          "'*=ROLE' for any other speaker. Repeatable.")(f)
    f = click.option("--line-pattern", default=None, metavar="REGEX",
                     help="Chat logs: line regex with named groups speaker and text (and date, time or ts).")(f)
    f = click.option("--timezone", default=None, metavar="OFFSET",
                     help="UTC offset for times written without one, e.g. +08:00.")(f)
    f = click.option("--channel", type=click.Choice(["chat", "call"]), default=None,
                     help="Set the channel of every conversation.")(f)
    f = click.option("--language", default=None, help="Set the language of every conversation (zh, en, …).")(f)
    f = click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")(f)
    return f


def _options(ctx, input_format, mapping, encoding, roles, line_pattern, timezone, channel, language):
    fmt, opts = read_options_from(ctx, input_format, mapping, encoding)
    opts.roles = {} if not roles else None
    if roles:
        opts.roles = parse_role_map(list(roles), "--role")
    if line_pattern:
        try:
            compiled = re.compile(line_pattern)
        except re.error as exc:
            raise ConfigError(f"invalid regular expression: {exc}", field="--line-pattern") from None
        if not {"speaker", "text"} <= set(compiled.groupindex):
            raise ConfigError("--line-pattern needs named groups (?P<speaker>…) and (?P<text>…)",
                              field="--line-pattern")
    opts.line_pattern = line_pattern
    opts.timezone = timezone
    opts.channel = channel
    opts.language = language
    return fmt, opts


def _report(outcome, rejects, quiet) -> None:
    if quiet:
        return

    for line in summary_lines(outcome, rejects):
        click.echo(line, err=True)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@input_options
@reader_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Write canonical JSONL here (atomically); '-' for standard output.")
@click.pass_context
def ingest(ctx, sources, input_format, mapping, encoding, rejects, strict, roles, line_pattern, timezone, channel,
           language, quiet, output):
    """Convert SOURCES to canonical JSONL, one conversation per line (docs/format.md).

    \b
    Formats (--format, default auto: by extension and content): jsonl, csv, tsv (with --mapping),
    chatlog, vtt, srt, whisper, transcribe, hvb, seretod, abcd, and any a plugin adds.
    Every record is written or rejected (--rejects FILE keeps each with file, line, field, reason).
    \b
    Examples:
      qa ingest chat_0.1per.txt --mapping corpora/mappings/jddc.yaml -o jddc.jsonl
      qa ingest calls/*.vtt --role 'Speaker 1=agent' --role 'Speaker 2=customer' -o calls.jsonl
    Exit codes: 0 ok, 2 usage, configuration or unreadable input, 3 rejects under --strict.
    """
    from qa.ingest.convert import ingest as run

    fmt, opts = _options(ctx, input_format, mapping, encoding, roles, line_pattern, timezone, channel, language)
    with RejectsWriter(rejects) as rej, atomic_output(output) as out, progress_bar(sources, opts, not quiet):
        outcome = run(list(sources), out, fmt, opts, on_reject=rej, readers=registry_of(ctx).readers)
    _report(outcome, rejects, quiet)
    if strict and outcome.stats.rejected:
        ctx.exit(EXIT_REJECTED)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@input_options
@reader_options
@click.pass_context
def validate(ctx, sources, input_format, mapping, encoding, rejects, strict, roles, line_pattern, timezone, channel,
             language, quiet):
    """Check SOURCES without writing: every record is read and checked (canonical JSONL also against
    the JSON Schema, qa/schemas/conversation.schema.json); prints the problems by kind.

    \b
    Examples:
      qa validate chats.jsonl
      qa validate export.csv --mapping my-export.yaml --rejects problems.jsonl
    Exit codes: 0 no problems, 3 some records rejected, 2 usage or configuration error.
    """
    from qa.ingest.convert import validate as run

    fmt, opts = _options(ctx, input_format, mapping, encoding, roles, line_pattern, timezone, channel, language)
    with RejectsWriter(rejects) as rej, progress_bar(sources, opts, not quiet):
        outcome = run(list(sources), fmt, opts, on_reject=rej, readers=registry_of(ctx).readers)
    _report(outcome, rejects, quiet)
    if outcome.stats.rejected:
        ctx.exit(EXIT_REJECTED)

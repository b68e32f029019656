"""``qa explain``: one conversation's transcript with every finding highlighted where it happened."""

from __future__ import annotations

import json

import click

from qa.cli.options import input_options, read_options_from, registry_of, resolve_rubric, rubric_option
from qa.errors import InputError, did_you_mean
from qa.ingest import read_conversations

SEVERITY_STYLE = {"info": "bold cyan", "minor": "bold yellow", "major": "bold magenta", "critical": "bold white on red"}


@click.command()
@click.argument("source", type=click.Path())
@rubric_option
@input_options
@click.option("--conversation", "-c", "conversation_id", default=None, metavar="ID",
              help="The conversation to explain (default: the first one in SOURCE).")
@click.option("--output-format", "-f", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="text (default, highlighted on a terminal) or json.")
@click.pass_context
def explain(ctx, source, rubric_name, input_format, mapping, encoding, rejects, strict, conversation_id,
            output_format):
    """Show a conversation with each finding highlighted in place: the rule, its why and the points;
    then the rules that passed and those that did not apply, and why.

    \b
    Examples:
      qa explain chats.jsonl --rubric zh-customer-service --conversation c-0001
      qa explain chats.jsonl -r zh-customer-service -c c-0001 -f json
    """
    from qa.engine import compile_rubric, explain_conversation  # the engine loads the phrase automaton

    reg = registry_of(ctx)
    rubric = resolve_rubric(ctx, rubric_name)
    fmt, read_opts = read_options_from(ctx, input_format, mapping, encoding)
    conv, total = _pick(read_conversations([source], fmt, read_opts, readers=reg.readers), source, conversation_id)
    data = explain_conversation(conv, compile_rubric(rubric, reg.checkers, embedders=reg.embedders))
    if output_format == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    render(data)
    if conversation_id is None and total > 1:
        click.echo(f"({source} holds more conversations; this is the first — pick one with --conversation ID)",
                   err=True)


def _pick(conversations, source, conversation_id):
    seen: list[str] = []
    first = None
    for conv in conversations:
        if conversation_id is None:
            if first is None:
                first = conv
            seen.append(conv.id)
            if len(seen) > 1:
                break
            continue
        if conv.id == conversation_id:
            return conv, 1
        if len(seen) < 100_000:
            seen.append(conv.id)
    if first is not None:
        return first, len(seen)
    if conversation_id is None:
        raise InputError("no conversation could be read", path=source)
    hint = did_you_mean(conversation_id, seen) or (f"ids include: {', '.join(seen[:5])}" if seen else None)
    raise InputError(f"no conversation with id {conversation_id!r}", path=source, field="--conversation", hint=hint)


def _fmt_time(t) -> str:
    if t is None:
        return ""
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:04.1f} "


def render(data: dict, console=None) -> None:
    """Print an explained conversation with rich: highlighted spans, then rule verdicts."""
    from rich.console import Console
    from rich.markup import escape
    from rich.text import Text

    console = console or Console(highlight=False)
    findings = data["findings"]
    verdict = "[bold red]FATAL[/]" if data["fatal"] else ("[green]passed[/]" if data["passed"] else "[yellow]failed[/]")
    r = data["rubric"]
    console.print(f"[bold]{escape(str(data['conversation_id']))}[/]  agent {escape(str(data.get('agent_id') or '—'))}"
                  f"  score [bold]{data['score']:g}[/]/{data['max_score']:g}  {verdict}"
                  f"   rubric {escape(r['id'])} {escape(r['version'])} {r['hash']}")
    console.print()
    for t in data["transcript"]:
        line = Text()
        line.append(f"{t['turn'] + 1:>3} {_fmt_time(t['time'])}{t['role']:<8} ", style="dim")
        body = Text(t["text"])
        for k in t["findings"]:
            f = findings[k]
            if f["span"]:
                body.stylize(SEVERITY_STYLE.get(f["severity"], "bold"), *f["span"])
        line.append_text(body)
        console.print(line)
        for k in t["findings"]:
            f = findings[k]
            mark = Text()
            mark.append(f"      ▲ {f['rule']} ({f['severity']}, −{f['points']:g}): ",
                        style=SEVERITY_STYLE.get(f["severity"], "bold"))
            mark.append(f["message"])
            console.print(mark)
            trigger = (f.get("extra") or {}).get("trigger_turn")
            if trigger is not None:  # what made the courtesy owed: the complaint, the look-up announcement
                extra = f["extra"]
                said = f" «{extra['trigger_evidence']}»" if extra.get("trigger_evidence") else ""
                by = f" ({extra['trigger_rule']})" if extra.get("trigger_rule") else ""
                console.print(Text(f"        owed after turn {trigger + 1}{said}{by}", style="dim"))
            if f.get("why"):
                console.print(Text(f"        why: {f['why']}", style="italic"))
    other = [f for f in findings if f["turn"] is None]
    for f in other:
        console.print(Text(f"  ▲ {f['rule']} ({f['severity']}, −{f['points']:g}): {f['message']}"))
    console.print()
    groups = {"failed": [], "observed": [], "passed": [], "not_applicable": []}
    for row in data["rules"]:
        groups[row["status"]].append(row)
    if groups["failed"]:
        console.print("[bold]Rules broken[/]")
        for row in groups["failed"]:
            console.print(f"  ✗ {escape(row['rule'])} — {escape(row['title'])}: {row['findings']} finding(s), "
                          f"−{row['deducted']:g} points")
    if groups["observed"]:
        console.print("[bold]Observed[/] (info rules, no points)")
        for row in groups["observed"]:
            console.print(f"  • {escape(row['rule'])} — {escape(row['title'])}: {row['findings']} finding(s)")
    if groups["passed"]:
        console.print("[bold]Rules passed[/]")
        for row in groups["passed"]:
            console.print(f"  ✓ {escape(row['rule'])} — {escape(row['title'])}")
    if groups["not_applicable"]:
        console.print("[bold]Not applicable[/]")
        for row in groups["not_applicable"]:
            console.print(f"  – {escape(row['rule'])} — {escape(row['title'])}: {escape(row['reason'])}")
    labels = {k: v for k, v in data.get("labels", {}).items() if v}
    if labels:
        console.print("[bold]Labels[/]  " + escape(", ".join(f"{k}: {_short(v)}" for k, v in labels.items())))
    if data.get("metrics"):
        console.print("[bold]Metrics[/] " + escape(", ".join(f"{k} {_short(v)}" for k, v in data["metrics"].items())))
    for e in data.get("errors", []):
        console.print(f"[red]checker error in {escape(e['rule'])}: {escape(e['error'])}[/]")


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "/".join(_short(v) for v in value)
    return str(value)

"""``qa eval``: measure a rubric against human labels; agreement between label passes; floors for CI."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import click

from qa.cli.options import read_options_from, registry_of, resolve_rubric
from qa.errors import EXIT_GATE_FAILED, ConfigError, InputError, did_you_mean
from qa.eval.agree import compare_passes
from qa.eval.devset import default_devset, load_devset, parse_folds, split_for
from qa.eval.evaluate import devset_pairs, evaluate, user_pairs
from qa.eval.floors import Shortfall, check, current_floors, load_floors, write_entry
from qa.eval.labels import read_labels
from qa.eval.report import render_table
from qa.eval.show import default_show_metrics, disagreements, render
from qa.eval.targets import load_targets
from qa.ingest import ReadStats, read_conversations
from qa.io import atomic_output


class _DefaultGroup(click.Group):
    """``qa eval RUBRIC …`` runs the hidden ``run`` command; ``qa eval agree|floors|check …`` the others."""

    default = "run"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        cmd = self.commands[self.default]
        sub = click.Context(cmd, info_name=ctx.info_name, parent=ctx.parent)
        cmd.format_help(sub, formatter)
        rows = [(name, c.get_short_help_str(80)) for name, c in self.commands.items() if not c.hidden]
        with formatter.section("Other commands"):
            formatter.write_dl(rows)


def _console():
    """A rich console; 120 columns when writing to a file or pipe (rich would assume 80)."""
    from rich.console import Console

    con = Console(highlight=False)
    return con if con.is_terminal else Console(highlight=False, width=120)


def _dump(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@click.group("eval", cls=_DefaultGroup)
def eval_():
    """Measure rubrics against human labels."""


def _devset_option(f):
    f = click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False),
                     help="The shared data folder research-only corpora are read from (default: $QA_SHARED_DATA, "
                          "else ../shared/data beside the repository).")(f)
    f = click.option("--devset", default=None, type=click.Path(file_okay=False),
                     help="The devset folder (manifest.jsonl, sources.yaml; default: the repository's "
                          "corpora/devset).")(f)
    return f


def _conversation_options(f):
    f = click.option("--encoding", default=None, help="Force the encoding of CONVERSATIONS.")(f)
    f = click.option("--mapping", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Mapping file (YAML) for delimited CONVERSATIONS.")(f)
    f = click.option("--format", "input_format", default=None, metavar="FORMAT",
                     help="Format of CONVERSATIONS (default: auto). See `qa plugins list`.")(f)
    return f


def _read_user_conversations(ctx, paths, input_format, mapping, encoding):
    """Conversations of the user's files, and the ids of rejected records with the reason."""

    fmt, opts = read_options_from(ctx, input_format, mapping, encoding)
    stats = ReadStats()
    rejected: dict[str, str] = {}

    def on_reject(rej):
        if rej.conversation_id:
            rejected[rej.conversation_id] = f"{rej.source}: {rej.reason}"

    convs = list(read_conversations(list(paths), fmt, opts, stats, on_reject=on_reject,
                                    readers=registry_of(ctx).readers))
    return convs, rejected, stats


@eval_.command("run", hidden=True)
@click.argument("rubric_name", metavar="RUBRIC")
@click.argument("conversations", nargs=-1, type=click.Path())
@click.option("--labels", "labels_path", default=None, type=click.Path(dir_okay=False),
              help="Labels (JSONL: docs/labelling.md records, or per-rule labels from `qa review export`). "
                   "Default with the devset: its labels.jsonl.")
@_devset_option
@click.option("--split", type=click.Choice(["train", "test", "all"]), default="all", show_default=True,
              help="Devset split to measure on.")
@click.option("--fold", "fold_spec", default=None, metavar="K/N",
              help="Only fold K of N of the selection (folds by a hash of corpus:id; also K,L/N and K-L/N): "
                   "develop on some folds of train, validate on another.")
@click.option("--corpus", "corpora", multiple=True, metavar="NAME", help="Only this devset corpus (repeatable).")
@click.option("--language", "languages", multiple=True, metavar="LANG",
              help="Only conversations in this language (repeatable).")
@click.option("--rule", "rules", multiple=True, metavar="R",
              help="Only these figures: a rule id (its rows) or a row id such as banned.refusal (repeatable).")
@click.option("--show", type=click.Choice(["fp", "fn"]), default=None,
              help="Print each false positive (fp) or false negative (fn) in context instead of the table.")
@click.option("--targets", "targets_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Which rules implement which label (YAML; default: the shipped qa/eval/targets.yaml).")
@_conversation_options
@click.option("--output-format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--pin-floors", "pin_path", default=None, type=click.Path(dir_okay=False),
              help="Write this run's figures as the rubric's floors into this floors.yaml (devset runs only).")
@click.pass_context
def run(ctx, rubric_name, conversations, labels_path, data_dir, devset, split, fold_spec, corpora, languages, rules,
        show, targets_path, input_format, mapping, encoding, output_format, pin_path):
    """Measure RUBRIC against human labels: per rule and rule family, precision, recall and F1 with 95%
    Wilson intervals (banned phrasing per agent message), balanced accuracy for courtesy facts, complaint vs
    none F1 and macro-F1 over the six complaint types, and Cohen's kappa between qa's pass/fail and the
    reader's verdict. Every labelled conversation is scored once, in this process.

    Without CONVERSATIONS: the development set (corpora/devset), its conversations read from the shared
    data folder. With CONVERSATIONS (any format `qa score` reads) and --labels: a QA lead's own reviewed
    sample, labels matched by conversation id.

    \b
    Examples:
      qa eval zh-customer-service --split train
      qa eval zh-customer-service --split train --show fn --rule ban.refusal
      qa eval zh-customer-service --split train --fold 1-4/5 --show fn    # read errors here …
      qa eval zh-customer-service --split train --fold 5/5                # … validate here
      qa eval en-customer-service --language en -f json
      qa review export --db qa.db -o reviewed.jsonl
      qa eval my-rubric.yaml week12.jsonl --labels reviewed.jsonl
      qa eval agree labels-a.jsonl labels-b.jsonl --disagreements to_adjudicate.jsonl
      qa eval floors
    Labels: docs/labelling.md. Figures, units and intervals: docs/eval.md.
    Exit codes: 0 ok, 2 usage error or a bad label (file, line and field named).
    """

    rubric = resolve_rubric(ctx, rubric_name)
    targets = load_targets(targets_path)
    if conversations:
        if not labels_path:
            raise ConfigError("with CONVERSATIONS, pass --labels FILE", hint="labels: docs/labelling.md, or "
                              "`qa review export`")
        if split != "all" or corpora or pin_path or fold_spec:
            raise ConfigError("--split, --fold, --corpus and --pin-floors are for the devset, not for CONVERSATIONS")
        convs, rejected, stats = _read_user_conversations(ctx, conversations, input_format, mapping, encoding)
        if languages:
            convs = [c for c in convs if c.language in languages]
        records = read_labels(labels_path)
        _reject_hint(records, {c.id for c in convs}, rejected)
        pairs, counts = user_pairs(convs, records)
        source = f"{len(conversations)} file(s), {stats.accepted} conversation(s) read, {stats.rejected} rejected"
        selection = {"language": list(languages)} if languages else {}
    else:
        folds = parse_folds(fold_spec) if fold_spec else None
        if folds is not None and pin_path:
            raise ConfigError("--pin-floors pins a whole split, not a fold", hint="drop --fold")
        ds = load_devset(devset, data_dir, readers=registry_of(ctx).readers)
        labels_path = labels_path or str(ds.root / "labels.jsonl")
        records = _labels_or_hint(labels_path)
        pairs, counts = devset_pairs(ds, records, split, corpora, languages, folds)
        source = f"devset {ds.root}"
        selection = {"split": split, **({"fold": str(folds)} if folds else {}),
                     **({"corpus": list(corpora)} if corpora else {}),
                     **({"language": list(languages)} if languages else {})}
    reg = registry_of(ctx)
    ev = evaluate(rubric, pairs, targets, checkers=reg.checkers, embedders=reg.embedders)
    agent_msgs = sum(1 for c in ev.cases for t in c.conversation.turns if t.role == "agent")
    sel_text = ", ".join(f"{k} {'/'.join(v) if isinstance(v, list) else v}" for k, v in selection.items())
    header = {"rubric": rubric.ref(), "labels": labels_path, "source": source, "selection": selection,
              "targets": ev.targets.path, **counts, "agent_messages": agent_msgs,
              "line": f"{rubric.id} {rubric.version} against {labels_path}"
                      + (f" ({sel_text})" if sel_text else "")
                      + f": {counts['labelled']} labelled conversation(s) of {counts['selected']} selected, "
                        f"{agent_msgs} agent message(s)"}
    report = dict(ev.report, header=header)
    metric_ids = _select_rows(ev, rules)
    if metric_ids is not None:
        report["metrics"] = [r for r in report["metrics"] if r["id"] in metric_ids]
    if pin_path:
        _pin(pin_path, rubric_name, labels_path, ds.root, selection, targets_path, ev.report)
    if show:
        wanted = _show_rows(ev, rules) if rules else default_show_metrics(ev)
        ds_ = disagreements(ev, show, wanted)
        if output_format == "json":
            _dump({"header": header, "disagreements": ds_})
        else:
            render(ds_, _console())
        return
    if output_format == "json":
        _dump(report)
        return

    render_table(report, _console())


def _labels_or_hint(path):
    if not os.path.exists(path):
        raise ConfigError("no labels file here yet", path=path,
                          hint="pass --labels FILE (docs/labelling.md says what a record holds)")
    return read_labels(path)


def _reject_hint(records, ids, rejected):
    for rec in records:
        if rec.id not in ids and rec.id in rejected:
            raise InputError(f"conversation {rec.id!r} was rejected when reading it: {rejected[rec.id]}",
                             path=rec.path, line=rec.line, field="id")


def _select_rows(ev, selectors) -> set[str] | None:
    """Row ids to keep for --rule (None = all). A selector is a row id, a rule id (its own rows, and the rows
    of labels implemented only by selected rules), or both (courtesy.closing names a row and a rule)."""
    if not selectors:
        return None

    row_ids = {m.id for m in ev.metrics}
    rule_ids = {cr for m in ev.metrics for cr in m.rules} | {r.rule for c in ev.cases for r in c.record.rules}
    keep: set[str] = set()
    chosen_rules = set()
    for s in selectors:
        if s in row_ids:
            keep.add(s)
        if s in rule_ids:
            chosen_rules.add(s)
        if s not in row_ids and s not in rule_ids:
            raise ConfigError(f"--rule {s!r} is neither a measured rule nor a figure",
                              hint=did_you_mean(s, row_ids | rule_ids) or "see `qa eval RUBRIC -f json` for ids")
    for m in ev.metrics:
        if m.id in (f"rule:{r}" for r in chosen_rules) or m.id in (f"reviewed:{r}" for r in chosen_rules):
            keep.add(m.id)
        elif m.rules and not m.id.startswith(("rule:", "reviewed:")) and set(m.rules) <= chosen_rules:
            keep.add(m.id)
    return keep


def _show_rows(ev, selectors) -> list[str]:
    rows = {m.id for m in ev.metrics}
    out = []
    for s in selectors:
        if s in rows:
            out.append(s)
        out += [m for m in (f"rule:{s}", f"reviewed:{s}") if m in rows]
    if not out:
        _select_rows(ev, selectors)  # raises for an unknown selector
    return out


def _pin(path, rubric_name, labels_path, devset_root, selection, targets_path, report):
    base = os.path.dirname(os.path.abspath(path))
    sel = {"labels": os.path.relpath(os.path.abspath(labels_path), base)}
    if os.path.realpath(devset_root) != os.path.realpath(base):
        sel["devset"] = os.path.relpath(os.path.abspath(devset_root), base)
    sel.update(selection)
    if targets_path:
        sel["targets"] = os.path.relpath(os.path.abspath(targets_path), base)
    floors = current_floors(report)
    if os.path.isfile(rubric_name):
        rubric_name = os.path.relpath(os.path.abspath(rubric_name), base)
    write_entry(path, rubric_name, sel, floors)
    click.echo(f"pinned {sum(len(v) for v in floors.values())} floor(s) for {rubric_name} in {path}", err=True)


@eval_.command("agree", short_help="Cohen's kappa per label field between two label passes; list disagreements.")
@click.argument("a_path", metavar="A.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.argument("b_path", metavar="B.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--conversations", "conversations", multiple=True, type=click.Path(exists=True),
              help="Read the labelled conversations from these files instead of the devset (repeatable).")
@_devset_option
@_conversation_options
@click.option("--disagreements", "dis_path", default=None, type=click.Path(dir_okay=False),
              help="Write every item on which A and B differ, with both values, as JSONL (for adjudication).")
@click.option("--output-format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def agree(ctx, a_path, b_path, conversations, data_dir, devset, input_format, mapping, encoding, dis_path,
          output_format):
    """Cohen's kappa per label field between two independent passes A and B over the same conversations:
    complaint vs none and each type, greeting, closing, apology and hold owed / given when owed, escalation,
    call-backs and each banned category per agent message, banned (any), verdict.

    \b
    Examples:
      qa eval agree corpora/devset/labels-a.jsonl corpora/devset/labels-b.jsonl
      qa eval agree a.jsonl b.jsonl --disagreements adjudicate.jsonl
      qa eval agree a.jsonl b.jsonl --conversations sample.jsonl
    """

    a, b = read_labels(a_path), read_labels(b_path)
    if conversations:
        convs, rejected, _ = _read_user_conversations(ctx, conversations, input_format, mapping, encoding)
        _reject_hint(a + b, {c.id for c in convs}, rejected)
        pairs, _ = user_pairs(convs, a + b)
    else:
        pairs, _ = devset_pairs(load_devset(devset, data_dir, readers=registry_of(ctx).readers), a + b)
    agent_turns = {id(p.record): [i for i, t in enumerate(p.conversation.turns) if t.role == "agent"] for p in pairs}
    rep = compare_passes(a, b, lambda rec: agent_turns[id(rec)])
    if dis_path:
        with atomic_output(dis_path) as fh:
            for d in rep["disagreements"]:
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    if output_format == "json":
        _dump({k: v for k, v in rep.items() if k != "disagreements" or not dis_path})
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    con.print(f"{rep['conversations']} conversation(s) labelled in both passes"
              + (f"; only in A: {len(rep['only_in_a'])}" if rep["only_in_a"] else "")
              + (f"; only in B: {len(rep['only_in_b'])}" if rep["only_in_b"] else ""))
    t = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for col in ("field", "unit", "items", "agreement", "kappa", "A yes", "B yes", "disagree"):
        t.add_column(col, justify="left" if col in ("field", "unit") else "right",
                     no_wrap=col not in ("A yes", "B yes"))
    for r in rep["fields"]:
        def yes(side, r=r):
            if f"{side}_yes" in r:
                return str(r[f"{side}_yes"])
            return escape(" ".join(f"{k}:{v}" for k, v in r[f"{side}_values"].items()))
        t.add_row(r["field"], r["unit"], str(r["n"]), f"{r['agreement']:.3f}",
                  "—" if r["kappa"] is None else f"{r['kappa']:.3f}", yes("a"), yes("b"), str(r["disagreements"]))
    con.print(t)
    total = len(rep["disagreements"])
    con.print(f"{total} disagreement(s)" + (f" written to {escape(dis_path)}" if dis_path else
                                           " (--disagreements FILE writes them for adjudication)"))


@eval_.command("floors", short_help="Check pinned floors on the devset (CI); exit 1 below a floor.")
@click.argument("floors_path", metavar="[FLOORS.yaml]", required=False, type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False),
              help="The shared data folder (default: $QA_SHARED_DATA, else ../shared/data beside the repository).")
@click.option("--output-format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def floors(ctx, floors_path, data_dir, output_format):
    """Check every rubric's figures on the devset against its pinned floors (default: the repository's
    corpora/devset/floors.yaml). Exit 1 when a figure is below its floor.

    \b
    Pin floors from a run:  qa eval zh-customer-service --split test --pin-floors corpora/devset/floors.yaml
    """

    path = Path(floors_path) if floors_path else default_devset() / "floors.yaml"
    entries = load_floors(path)
    results = []
    for e in entries:
        ev = evaluate_entry(ctx, e, data_dir)
        results.append({"rubric": e.rubric, "split": e.split, "conversations": len(ev.cases),
                        "checked": len(e.floors), "below": [vars(s) for s in check(e, ev.report)]})
    failed = any(r["below"] for r in results)
    if output_format == "json":
        _dump({"floors": str(path), "entries": results, "passed": not failed})
    elif not entries:
        click.echo(f"{path}: no floors pinned yet")
    else:
        for r in results:
            status = "below floor" if r["below"] else "ok"
            click.echo(f"{r['rubric']} ({r['split']}, {r['conversations']} conversations): {r['checked']} "
                       f"figure(s) checked, {status}")
            for s in r["below"]:
                click.echo(f"  {Shortfall(**s)}")
    if failed:
        sys.exit(EXIT_GATE_FAILED)


def evaluate_entry(ctx, entry, data_dir):
    """Evaluate one floors entry: its rubric (a name, or a YAML path relative to the floors file) on its
    selection of its devset (by default the folder the floors file lives in)."""

    here = Path(entry.path).parent
    ds = load_devset(entry.devset, data_dir, readers=registry_of(ctx).readers)
    pairs, _ = devset_pairs(ds, read_labels(str(entry.labels)), entry.split, entry.corpora, entry.languages)
    rubric_file = here / entry.rubric
    name = str(rubric_file) if rubric_file.suffix in (".yaml", ".yml") and rubric_file.is_file() else entry.rubric
    reg = registry_of(ctx)
    return evaluate(resolve_rubric(ctx, name), pairs, load_targets(entry.targets), checkers=reg.checkers,
                    embedders=reg.embedders)


@eval_.command("check", short_help="Check the devset: manifest, split, sources, labels files.")
@_devset_option
@click.option("--labels", "labels_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Check these labels files (default: the devset's labels*.jsonl).")
@click.pass_context
def check_cmd(ctx, devset, data_dir, labels_paths):
    """Check the devset: manifest and sources, the frozen split (a hash of corpus and id), no reserved
    conversation, every conversation readable, and every labels file's records (ids in the manifest, turns
    in range and on the right side). Prints counts per corpus and split."""

    ds = load_devset(devset, data_dir, readers=registry_of(ctx).readers)
    for e in ds.entries:
        if split_for(e.corpus, e.id) != e.split:
            raise InputError(f"split {e.split!r} differs from the frozen split {split_for(e.corpus, e.id)!r} of "
                             f"{e.corpus} {e.id}", path=str(ds.manifest_path), line=e.line, field="split")
    convs = ds.read(ds.entries)
    counts = Counter((e.corpus, e.language, e.split) for e in ds.entries)
    for (corpus, lang, split), n in sorted(counts.items()):
        click.echo(f"{corpus:<14} {lang:<4} {split:<6} {n:>5}")
    click.echo(f"{len(convs)} conversation(s) read, {sum(len(c.turns) for c in convs.values())} turns")
    paths = list(labels_paths) or sorted(str(p) for p in ds.root.glob("labels*.jsonl"))
    for p in paths:
        recs = read_labels(p)
        pairs, _ = devset_pairs(ds, recs)
        click.echo(f"{p}: {len(pairs)} record(s) ok")

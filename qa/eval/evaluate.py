"""One ``qa eval`` run as a library call: pair labels with conversations, score once, count, summarise.

Two ways to get the (label, conversation) pairs:

- :func:`devset_pairs` — the development set (manifest + sources) and a labels file whose records carry
  ``corpus`` and ``id``; every record must name a manifest conversation; ``split``/``corpora``/``languages``
  (and ``folds``, a sub-split for development rounds) choose which of them count;
- :func:`user_pairs` — a QA lead's own conversation files (any format qa reads) and labels matched by ``id``.

:func:`evaluate` then scores each labelled conversation once, in-process, with the compiled rubric, and
returns an :class:`Evaluation` holding the cases, the judgements and the summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qa.engine import compile_rubric, score_conversation
from qa.errors import InputError
from qa.eval.devset import Devset, Folds
from qa.eval.judge import Case, Item, Metric, judge, metric_defs, unreviewed_findings
from qa.eval.labels import BANNED_CATEGORIES, LabelRecord, check_rules, check_turns
from qa.eval.report import summarise
from qa.eval.targets import COURTESY_FACTS, Resolved, Targets, load_targets, resolve
from qa.model import Conversation
from qa.rules.rubric.model import Rubric


@dataclass
class Pair:
    name: str
    record: LabelRecord
    conversation: Conversation


@dataclass
class Evaluation:
    rubric: Rubric
    targets: Targets
    resolved: Resolved
    cases: list[Case]
    metrics: list[Metric]
    items: list[Item]
    report: dict[str, Any] = field(default_factory=dict)

    def metric(self, metric_id: str) -> Metric | None:
        return next((m for m in self.metrics if m.id == metric_id), None)


def devset_pairs(devset: Devset, records: Iterable[LabelRecord], split: str = "all", corpora: Iterable[str] = (),
                 languages: Iterable[str] = (), folds: Folds | None = None) -> tuple[list[Pair], dict[str, int]]:
    """The labelled conversations of the devset within the selection, read through qa's readers.

    Every record must name a manifest conversation (by ``corpus`` and ``id``), else an error names the
    labels file, line and field. Returns the pairs and counts: ``selected`` manifest conversations,
    ``labelled`` of them, ``outside`` labelled records outside the selection.
    """
    records = list(records)
    chosen = {e.key: e for e in devset.select(split, corpora, languages, folds)}
    wanted = []
    for rec in records:
        if rec.corpus is None:
            raise InputError("missing 'corpus' (the devset names conversations by corpus and id)", path=rec.path,
                             line=rec.line, field="corpus")
        if devset.entry(rec.corpus, rec.id) is None:
            raise InputError(f"{rec.corpus} {rec.id!r} is not in the devset manifest", path=rec.path, line=rec.line,
                             field="id", hint=f"see {devset.manifest_path}")
        if rec.key in chosen:
            wanted.append(rec)
    convs = devset.read(chosen[r.key] for r in wanted)
    pairs = []
    for rec in wanted:
        conv = convs[rec.key]
        check_turns(rec, [t.role for t in conv.turns])
        pairs.append(Pair(f"{rec.corpus}/{rec.id}", rec, conv))
    return pairs, {"selected": len(chosen), "labelled": len(pairs), "outside": len(records) - len(pairs)}


def user_pairs(conversations: Iterable[Conversation], records: Iterable[LabelRecord]) -> tuple[list[Pair], dict[str, int]]:
    """Labels matched to the conversations by ``id`` (``corpus`` is ignored); a label whose id no input
    conversation has is an error."""
    by_id = {c.id: c for c in conversations}
    pairs = []
    for rec in records:
        conv = by_id.get(rec.id)
        if conv is None:
            raise InputError(f"no input conversation has id {rec.id!r}", path=rec.path, line=rec.line, field="id",
                             hint=f"{len(by_id)} conversation(s) were read; pass the files that hold the labelled ones")
        check_turns(rec, [t.role for t in conv.turns])
        pairs.append(Pair(rec.id, rec, conv))
    return pairs, {"selected": len(by_id), "labelled": len(pairs), "outside": 0}


def not_measured(targets: Targets, res: Resolved, rubric_id: str) -> list[str]:
    """The labels no rule of the rubric implements, each with the selectors that found nothing."""
    out = []
    for cat in BANNED_CATEGORIES:
        if cat not in res.banned:
            out.append(f"banned {cat} (no rule {', '.join(targets.banned.get(cat, ())) or 'mapped'} in {rubric_id})")
    for fact in COURTESY_FACTS:
        if fact not in res.courtesy:
            out.append(f"{fact} (no rule {', '.join(targets.courtesy.get(fact, ())) or 'mapped'} in {rubric_id})")
    for name, sel, got in (("complaints", targets.complaints, res.complaints),
                           ("escalation", targets.escalation, res.escalation),
                           ("callbacks", targets.callbacks, res.callbacks)):
        if not got:
            out.append(f"{name} (no rule {', '.join(sel) or 'mapped'} in {rubric_id})")
    return out


def evaluate(rubric: Rubric, pairs: list[Pair], targets: Targets | None = None, *, checkers: Mapping[str, type],
             embedders: Mapping[str, Any] | None = None) -> Evaluation:
    """Score every pair's conversation once (the rubric compiled with ``checkers`` and ``embedders``, as
    ``registry`` gives them) and count the judgements into a report."""
    targets = targets or load_targets()
    compiled = compile_rubric(rubric, checkers, embedders=embedders)
    rules = [(cr.rule.id, tuple(cr.rule.tags)) for cr in compiled.rules]
    check_rules((p.record for p in pairs), {rid for rid, _ in rules}, rubric.id)
    res = resolve(targets, rules)
    cases = [Case(p.name, p.record, p.conversation, score_conversation(p.conversation, compiled)) for p in pairs]
    reviewed = [r.rule for c in cases for r in c.record.rules]
    metrics = metric_defs(res, reviewed)
    items = judge(cases, res, targets)
    report = summarise(metrics, items)
    report["not_measured"] = not_measured(targets, res, rubric.id)
    unrev = unreviewed_findings(cases)
    if unrev:
        report["unreviewed_findings"] = unrev
    return Evaluation(rubric, targets, res, cases, metrics, items, report)

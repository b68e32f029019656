"""Every exception a rule makes must be pinned by one of its examples.

An exception entry is one item of a rule's ``unless`` lists as written (``$apology`` is one entry: a lexicon
stands for one idea), one of its ``unless`` flags (``question``, ``answers_question``, ``follows_statement``),
or one item of a trigger's ``unless``. For each entry in turn the rule is built again without it and its
examples are run; when no example's findings change, nothing shows why the entry is there: it is either
residue of tuning on one corpus or an idea the examples do not cover yet. ``qa rubric lint`` reports it as
``unpinned-exception``; the fix is an example that needs the entry (or deleting the entry).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from qa.engine.compile import compile_rubric
from qa.engine.score import score_conversation
from qa.rules.rubric.examples import example_conversation
from qa.rules.rubric.loader import build_rule
from qa.rules.rubric.model import Rubric, Rule

FLAGS = ("question", "answers_question", "follows_statement")
NESTED = {"answers_question": ("about", "unless"), "follows_statement": ("skip",)}


@dataclass
class Entry:
    """One exception entry: where it is written and how to drop it from the rule's YAML mapping."""

    key: str             # "unless.same_turn", "unless.question", "trigger.unless" …
    item: Any            # the written item ("$apology", "不能保证", True)
    index: int | None    # position in its list, None for a flag
    line: int | None

    def label(self) -> str:
        if self.index is None:
            return f"{self.key}: {self.item}"
        return f"{self.key} entry {self.item!r}"


def exception_entries(rule: Rule) -> Iterator[Entry]:
    """Every exception entry of a rule, in the order it was written."""
    node = rule.node
    if not isinstance(node, dict):
        return
    unless = node.get("unless")
    if isinstance(unless, dict):
        for key, value in unless.items():
            if key == "window":
                continue
            if key in FLAGS:
                yield Entry(f"unless.{key}", value if not isinstance(value, dict) else True, None, _line(unless, key))
                if isinstance(value, dict):
                    for sub in NESTED[key]:
                        yield from _items(f"unless.{key}.{sub}", value.get(sub), _line(value, sub))
                continue
            yield from _items(f"unless.{key}", value, _line(unless, key))
    trigger = node.get("trigger")
    if isinstance(trigger, dict):
        yield from _items("trigger.unless", trigger.get("unless"), _line(trigger, "unless"))


def _items(key: str, value: Any, line: int | None) -> Iterator[Entry]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        lines = getattr(value, "item_lines", [])
        for j, item in enumerate(value):
            yield Entry(key, item, j, lines[j] if j < len(lines) else line)


def _line(node: Any, key: str) -> int | None:
    lines = getattr(node, "lines", None)
    return lines.get(key) if lines else None


def without(node: dict, entry: Entry) -> dict:
    """A deep copy of a rule's YAML mapping with ``entry`` dropped (an emptied list or mapping goes too)."""
    out = copy.deepcopy(node)
    parts = entry.key.split(".")
    parents = [out]
    for p in parts[:-1]:
        parents.append(parents[-1][p])
    holder, last = parents[-1], parts[-1]
    if entry.index is None:
        del holder[last]
    else:
        value = holder[last]
        if isinstance(value, str):
            del holder[last]
        else:
            del value[entry.index]
            if not value:
                del holder[last]
    for depth in range(len(parts) - 1, 0, -1):  # drop mappings the removal emptied (unless: {})
        if not parents[depth]:
            del parents[depth - 1][parts[depth - 1]]
    return out


def _example_findings(rubric: Rubric, rule: Rule, checkers: Mapping[str, type], embedders) -> list[tuple]:
    """What each of ``rule``'s examples produces: its findings' turns and spans, example by example."""
    compiled = compile_rubric(rubric, checkers, embedders=embedders, select=[rule.id], report_all=True)
    out = []
    for ex in rule.examples:
        result = score_conversation(example_conversation(rubric, rule, ex), compiled)
        out.append(tuple(sorted((f["turn"] if f["turn"] is not None else -1, tuple(f["span"] or ()))
                                for f in result["findings"] if f["rule"] == rule.id)))
    return out


def unpinned_exceptions(rubric: Rubric, checkers: Mapping[str, type], *, embedders: Mapping[str, Any] | None = None
                        ) -> list[tuple[Rule, Entry]]:
    """``(rule, entry)`` for every exception entry whose removal changes none of the rule's examples (the
    rubric compiled with ``checkers`` and ``embedders``, as ``registry`` gives them)."""
    sections = {s.id: s for s in rubric.sections}
    out = []
    for rule in rubric.active_rules:
        spans = getattr(checkers.get(rule.checker), "span_findings", False)
        # `unless` only acts on span findings (lint reports it as unless-without-effect otherwise)
        entries = [e for e in exception_entries(rule) if spans or not e.key.startswith("unless.")]
        if not entries or not rule.examples:
            continue
        base = _example_findings(rubric, rule, checkers, embedders)
        path = rule.origin.rsplit(":", 1)[0] if rule.origin else rubric.path
        for entry in entries:
            trimmed = build_rule(without(rule.node, entry), rule.index, path, checkers, sections, None,
                                 rubric.lexicons)
            variant = dataclasses.replace(rubric, rules=[trimmed if r.id == rule.id else r for r in rubric.rules])
            if _example_findings(variant, trimmed, checkers, embedders) == base:
                out.append((rule, entry))
    return out

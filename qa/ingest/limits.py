"""Limits on what one input record and one rubric may contain, so hostile input is a clear reject.

The JSONL reader already caps a record's size (``ReadOptions.max_record_bytes``). These limits catch
what fits in a record but would make scoring slow or output unwritable: too many turns, one huge turn,
metadata nested deeper than a JSON writer can follow, a rubric with an absurd number of rules or
phrases. A conversation over a limit becomes a reject naming the field; a rubric over a limit is a
:class:`~qa.errors.RubricError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.errors import RubricError
from qa.model import Conversation, Reject, SourceRef


@dataclass(frozen=True)
class Limits:
    max_turns: int = 10_000
    max_text_chars: int = 200_000
    max_depth: int = 64
    max_rules: int = 5_000
    max_phrases: int = 1_000_000


DEFAULT = Limits()


def depth(value: Any, stop: int) -> int:
    """Nesting depth of lists/dicts in ``value`` (a scalar is 0), counting no further than ``stop + 1``."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > stop:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def check_conversation(conv: Conversation, limits: Limits = DEFAULT) -> Reject | None:
    """A reject if ``conv`` exceeds a limit, else None."""
    src = conv.source or SourceRef("<input>")

    def reject(reason: str, field: str) -> Reject:
        return Reject(src, reason, field=field, conversation_id=conv.id)

    if len(conv.turns) > limits.max_turns:
        return reject(f"{len(conv.turns):,} turns, over the limit of {limits.max_turns:,}", "turns")
    for i, t in enumerate(conv.turns):
        if len(t.text) > limits.max_text_chars:
            return reject(f"text is {len(t.text):,} characters, over the limit of {limits.max_text_chars:,}",
                          f"turns[{i}].text")
        if t.meta and depth(t.meta, limits.max_depth) > limits.max_depth:
            return reject(f"nested deeper than {limits.max_depth} levels", f"turns[{i}].meta")
    if conv.metadata and depth(conv.metadata, limits.max_depth) > limits.max_depth:
        return reject(f"nested deeper than {limits.max_depth} levels", "metadata")
    return None


def check_compiled(compiled, limits: Limits = DEFAULT) -> None:
    """Raise RubricError if a compiled rubric has more rules or phrases than the limits allow."""
    rubric = compiled.rubric
    if len(compiled.rules) > limits.max_rules:
        raise RubricError(f"{len(compiled.rules):,} active rules, over the limit of {limits.max_rules:,}",
                          path=rubric.path)
    if len(compiled.phrases) > limits.max_phrases:
        raise RubricError(f"{len(compiled.phrases):,} distinct phrases, over the limit of {limits.max_phrases:,}",
                          path=rubric.path)

"""Sentence and clause bounds in a text, and the units ``similar`` rules compare."""

from __future__ import annotations

import functools
import re

SENTENCE_END = frozenset("。！？!?；;…~\n")


def enclosing(text: str, start: int, end: int, stops) -> tuple[int, int]:
    """The stretch of ``text`` around ``[start, end)`` bounded by characters in ``stops`` (a sentence, a clause)."""
    s = start
    while s > 0 and text[s - 1] not in stops:
        s -= 1
    e = end
    while e < len(text) and text[e] not in stops:
        e += 1
    return s, e


UNITS = ("sentence", "clause", "turn")
_CLAUSE_STOPS = SENTENCE_END | frozenset("，,：:")
_KEPT = r"[^\W_]|[\[\]【】()（）<>]"


@functools.lru_cache(maxsize=16)
def _unit_pattern(unit: str, zh: bool) -> re.Pattern:
    if unit == "turn":
        body = r"[\s\S]"
    else:
        stops = "".join(sorted(_CLAUSE_STOPS if unit == "clause" else SENTENCE_END))
        if zh:
            body = f"[^{re.escape(stops)} ]"
        else:  # a full stop ends a sentence only before a space or the end: not in 3.5 or e.g.
            body = rf"(?:[^{re.escape(stops)}.]|\.(?=\S))"
    return re.compile(rf"(?:{_KEPT})(?:{body}*(?:{_KEPT}))?")


def text_units(text: str, unit: str, language: str) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of the units of ``text`` (``sentence``, ``clause`` or ``turn``), trimmed of
    punctuation and space; letters, digits and brackets (masks such as [数字x]) stay at the edges.

    In Chinese chat a space separates what were two messages, so it ends a sentence there; in other
    languages it does not, and a full stop ends a sentence only before a space or the end (not in 3.5).
    """
    return [m.span() for m in _unit_pattern(unit, language.startswith("zh")).finditer(text)]

"""Sentence and clause bounds in a text."""

from __future__ import annotations

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

"""Sentence and clause bounds in a text, and the units ``similar`` rules compare."""

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


UNITS = ("sentence", "clause", "turn")
_CLAUSE_STOPS = SENTENCE_END | frozenset("，,：:")


def _kept(ch: str) -> bool:
    """Letters, digits and brackets (masks such as [数字x]) stay at a unit's edges; punctuation and space go."""
    return ch.isalnum() or ch in "[]【】()（）<>"


def text_units(text: str, unit: str, language: str) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of the units of ``text``, trimmed of punctuation and space, without empty units.

    In Chinese chat a space separates what were two messages, so it ends a sentence there; in other
    languages it does not, and a full stop ends a sentence only before a space or the end (not in 3.5).
    """
    if unit == "turn":
        bounds = [(0, len(text))]
    else:
        stops = _CLAUSE_STOPS if unit == "clause" else SENTENCE_END
        zh = language.startswith("zh")
        if zh:
            stops = stops | {" "}
        bounds, start = [], 0
        last = len(text) - 1
        for i, ch in enumerate(text):
            if ch in stops or (ch == "." and not zh and (i == last or text[i + 1].isspace())):
                bounds.append((start, i))
                start = i + 1
        bounds.append((start, len(text)))
    out = []
    for s, e in bounds:
        while s < e and not _kept(text[s]):
            s += 1
        while e > s and not _kept(text[e - 1]):
            e -= 1
        if e > s:
            out.append((s, e))
    return out

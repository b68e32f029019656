"""What every timing checker shares: its tag, which turns are speech, and how text is counted.

Per-turn facts several checkers need (is it speech, how many units) are computed once per
conversation and kept in ``PreparedConversation.cache``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from qa.model import Conversation, Turn
from qa.rules.checkers.base import Checker

if TYPE_CHECKING:  # pragma: no cover
    from qa.engine.prepared import PreparedConversation

_TAG_RE = re.compile(r"\[[^\]]*\]|<[^>]*>")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_CHAR_RE = re.compile(r"[\W_]")  # all but letters and digits; punctuation is the rarer kind
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


class TimingChecker(Checker):
    """A checker whose findings always carry its family tag (``timing.*``) besides the rule's own tags."""

    tag: ClassVar[str] = ""

    def finding(self, conv, turn, span, message, *, time=None, evidence=None, **extra):
        f = conv.make_finding(self.rule, turn, span, message, time=time, evidence=evidence, extra=extra)
        if self.tag and self.tag not in f.tags:
            f.tags = (*f.tags, self.tag)
        return f


def no_text(conv: Conversation) -> bool:
    """True for conversations that carry speaker turns without words (e.g. read from RTTM)."""
    return conv.metadata.get("transcript") == "none"


def speech_flags(conv: PreparedConversation) -> list[bool]:
    """:func:`is_speech` of every turn, computed once per conversation."""
    return conv.speech


def speaker_key(turn: Turn) -> str:
    return turn.speaker if turn.speaker else turn.role


def call_segments(conv: PreparedConversation) -> tuple[list[tuple[int, float, float]], list[int]]:
    """``(turn, start, end)`` of every speech turn with both times, and the turns lacking one.

    Computed once per conversation and shared: callers must not modify the lists."""
    got = conv.cache.get("timing.segments")
    if got is not None:
        return got
    segs: list[tuple[int, float, float]] = []
    missing: list[int] = []
    speech = speech_flags(conv)
    for i, t in enumerate(conv.conv.turns):
        if t.start is None and t.end is None:
            continue
        if t.start is None or t.end is None:
            missing.append(i)
            continue
        if speech[i]:
            segs.append((i, t.start, t.end))
    got = conv.cache["timing.segments"] = (segs, missing)
    return got


def by_speaker(conv: Conversation, segs) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for i, s, e in segs:
        out.setdefault(speaker_key(conv.turns[i]), []).append((s, e))
    return out


def count_units(text: str, unit: str) -> int:
    """Characters (letters and digits; punctuation, spaces and tags ignored) or words (a CJK character
    counts as one word)."""
    if "[" in text or "<" in text:
        text = _TAG_RE.sub(" ", text)
    if unit == "chars":
        return len(text) - len(_NON_CHAR_RE.findall(text))
    if _CJK_RE.search(text):
        text = _CJK_RE.sub(" \\g<0> ", text)
    return len(_WORD_RE.findall(text))


def unit_counts(conv: PreparedConversation, unit: str, turns: Iterable[int]) -> list[int | None]:
    """:func:`count_units` of the text of each turn in ``turns``, indexed by turn.

    Counted at most once per conversation, turn and unit; turns not asked for yet are ``None``."""
    key = "timing.units." + unit
    counts = conv.cache.get(key)
    if counts is None:
        counts = conv.cache[key] = [None] * len(conv.conv.turns)
    all_turns = conv.conv.turns
    for i in turns:
        if counts[i] is None:
            counts[i] = count_units(all_turns[i].text, unit)
    return counts


def unit_for(language: str, unit: str) -> str:
    if unit != "auto":
        return unit
    return "chars" if language.lower().startswith(("zh", "ja", "yue", "wuu")) else "words"


def fmt_s(x: float) -> str:
    return f"{x:.1f} s"

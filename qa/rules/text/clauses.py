"""Clauses and questions in normalised text, for exceptions that depend on sentence shape rather than words.

A clause ends at clause punctuation (，。！？；… and their ASCII forms) and, in Chinese, at whitespace: chat
transcripts separate merged messages and their parts with spaces. A clause is a question when it ends with a
question mark, or (Chinese) when its last word before trailing particles is a question particle (吗, 么, 嘛) or
a bare 不 (好不, 行不); an A-not-A form (能不能, 可不可以, 行不行) is a question wherever it stands.
"""

from __future__ import annotations

import re

from qa.rules.text.sentences import enclosing

CLAUSE_STOPS = frozenset("。！？!?；;…~\n，,、")
CLAUSE_STOPS_ZH = CLAUSE_STOPS | frozenset(" \t\u3000")
QUESTION_MARKS = frozenset("?？")
_PARTICLES = frozenset("的了呢哦噢喔啊呀吧哈啦嘞哟呐捏咯嘛亲~ ")  # and the chat address 亲 (吗亲)
_QUESTION_FINAL = frozenset("吗么嘛")
_A_NOT_A = re.compile(r"(.)不\1")
_ASKS = re.compile(r"是否|能否|可否|有没有|是不是|会不会|可不可以|能不能|行不行|好不好")


def stops_for(language: str | None) -> frozenset[str]:
    return CLAUSE_STOPS_ZH if (language or "").startswith("zh") else CLAUSE_STOPS


def clause_is_question(text: str, start: int, end: int, language: str | None) -> bool:
    """True if the clause holding ``[start, end)`` asks something (see the module docstring)."""
    zh = (language or "").startswith("zh")
    if zh and 0 < start < len(text) - 1 and text[start] == "不" and text[start - 1] == text[start + 1]:
        return True  # 能不能, 行不行, 可不可以: the match is the negative half of an A-not-A question
    cs, ce = enclosing(text, start, end, stops_for(language))
    if ce < len(text) and text[ce] in QUESTION_MARKS:
        return True
    if not zh:
        return False
    k = ce
    while k > max(cs, end) and text[k - 1] in _PARTICLES - _QUESTION_FINAL:
        k -= 1
    return k > end and (text[k - 1] in _QUESTION_FINAL or text[k - 1] == "不" and k - 1 > cs)


def asks_question(text: str, language: str | None) -> bool:
    """True if a turn asks a yes/no or open question anywhere: a question mark, a clause ending in a question
    particle, or an A-not-A form (Chinese)."""
    if any(c in QUESTION_MARKS for c in text):
        return True
    if not (language or "").startswith("zh"):
        return False
    if _ASKS.search(text) or _A_NOT_A.search(text):
        return True
    stops = CLAUSE_STOPS_ZH
    k = len(text)
    while k > 0:
        e = k
        while e > 0 and text[e - 1] in stops:
            e -= 1
        s = e
        while s > 0 and text[s - 1] not in stops:
            s -= 1
        j = e
        while j > s and text[j - 1] in _PARTICLES - _QUESTION_FINAL:
            j -= 1
        if j > s and (text[j - 1] in _QUESTION_FINAL or text[j - 1] == "不" and j - 1 > s):
            return True
        k = s
    return False


_END_PARTICLES = frozenset("哦噢喔呢啦哈呀嘛")


def clauses_before(text: str, start: int, language: str | None) -> list[tuple[int, int]]:
    """``(start, end)`` of each clause of ``text`` that ends before the clause holding ``start``, in order.

    In Chinese chat without punctuation a sentence-final particle followed by more text also ends a clause
    (小店默认邮政快递哦今天发不了了哦).
    """
    stops = stops_for(language)
    zh = (language or "").startswith("zh")
    cs = start
    while cs > 0 and text[cs - 1] not in stops and not (
            zh and text[cs - 1] in _END_PARTICLES and text[cs] not in _PARTICLES):
        cs -= 1
    out = []
    k = 0
    while k < cs:
        while k < cs and text[k] in stops:
            k += 1
        e = k
        while e < cs and text[e] not in stops:
            e += 1
        if e > k:
            out.append((k, e))
        k = e
    return out


def is_question_text(text: str, s: int, e: int, language: str | None) -> bool:
    """True if the clause ``text[s:e]`` is a question (question mark after it, or a final question particle)."""
    if e < len(text) and text[e] in QUESTION_MARKS or any(c in QUESTION_MARKS for c in text[s:e]):
        return True
    if not (language or "").startswith("zh"):
        return False
    k = e
    while k > s and text[k - 1] in _PARTICLES - _QUESTION_FINAL:
        k -= 1
    return k > s and text[k - 1] in _QUESTION_FINAL


def content_chars(text: str, s: int, e: int, covered) -> int:
    """Letters, digits and CJK characters of ``text[s:e]`` outside the ``covered`` spans (words that carry no
    content here, such as greetings and address terms), and outside trailing particles."""
    n = 0
    for k in range(s, e):
        ch = text[k]
        if ch in _PARTICLES or not ch.isalnum() or any(cs <= k < ce for cs, ce in covered):
            continue
        n += 1
    return n

"""Word tokens with character offsets; jieba for Chinese (imported on first use only)."""

from __future__ import annotations

import functools
import re

_EN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[^\sA-Za-z0-9]")


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str, language: str) -> list[tuple[str, int, int]]:
    """``(token, start, end)`` for each token of ``text``; whitespace is dropped."""
    if language.startswith("zh"):
        jb = _jieba()
        return [(w, s, e) for w, s, e in jb.tokenize(text) if not w.isspace()]
    return [(m.group(0), m.start(), m.end()) for m in _EN_TOKEN.finditer(text)]


@functools.lru_cache(maxsize=8)
def spacy_blank(language: str):
    """A tokenizer-only spaCy pipeline (``spacy.blank``): no model download, imported on first use."""
    import spacy

    lang = "zh" if language.startswith("zh") else language.split("-")[0].split("_")[0]
    try:
        return spacy.blank(lang)
    except (ImportError, KeyError, ValueError):
        return spacy.blank("xx")

"""pytest plugin for rubric and plugin authors (registered through the ``pytest11`` entry point).

Fixtures:
  ``qa_score``: ``qa_score(rubric, text_or_conversation, role="agent")`` → the result dict.
"""

from __future__ import annotations

import pytest


def _as_conversation(item, role: str = "agent", language: str = "zh"):
    from qa.model import Conversation, Turn
    from qa.readers.canonical import conversation_from_dict

    if isinstance(item, str):
        return Conversation("example", [Turn(role, item)], language=language)
    if isinstance(item, dict):
        d = {"id": "example", "language": language, **item}
        return conversation_from_dict(d)
    return item


@pytest.fixture
def qa_score():
    """Score a text (one turn) or a small conversation dict against a rubric name, path or Rubric."""
    from qa.engine import compile_rubric, score_conversation
    from qa.rubric import Rubric, load_rubric

    compiled_cache = {}

    def _score(rubric, item, role: str = "agent", **compile_options):
        r = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        key = (r.id, r.hash, tuple(sorted(compile_options.items())))
        if key not in compiled_cache:
            compiled_cache[key] = compile_rubric(r, **{k: v for k, v in compile_options.items()})
        return score_conversation(_as_conversation(item, role, r.language), compiled_cache[key])

    return _score

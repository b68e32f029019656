"""qa — a linter for customer-service conversations.

The public library API lives here; the command line is a thin layer over it::

    from qa import load_rubric, read_conversations, score_conversations

    rubric = load_rubric("zh-customer-service")
    for result in score_conversations(read_conversations(["chats.jsonl"]), rubric):
        print(result["conversation_id"], result["score"])
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("qa")
"""Decorator marking a function as an implementation of a qa hook (see :mod:`qa.hookspecs`)."""

__all__ = [
    "__version__",
    "hookimpl",
    "load_rubric",
    "read_conversations",
    "score_conversations",
    "score_conversation",
]


def __getattr__(name: str):
    # Lazy so that `import qa` (and `qa --help`) stays cheap.
    if name == "load_rubric":
        from qa.rubric import load_rubric

        return load_rubric
    if name == "read_conversations":
        from qa.readers import read_conversations

        return read_conversations
    if name in ("score_conversations", "score_conversation"):
        from qa import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")

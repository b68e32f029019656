"""qa — a linter for customer-service conversations.

This module is the stable public surface. Library users::

    from qa import load_rubric, read_conversations, score_conversations

    rubric = load_rubric("zh-customer-service")
    for result in score_conversations(read_conversations(["chats.jsonl"]), rubric):
        print(result["conversation_id"], result["score"])

Plugin authors::

    from qa import Checker, Option, hookimpl

Names are imported on first use, so ``import qa`` (and ``qa --help``) stays cheap. Everything else in
the package (``qa.engine``, ``qa.rules``, …) is internal and may move between minor versions.
"""

from __future__ import annotations

import importlib

from qa import _moved
from qa.plugins.hookspecs import hookimpl
from qa.version import __version__

# public name -> the module that defines it
_PUBLIC = {
    # reading, rubrics, scoring
    "read_conversations": "qa.api",
    "read_records": "qa.api",
    "ReadOptions": "qa.ingest.base",
    "ReadStats": "qa.ingest",
    "load_rubric": "qa.api",
    "rubric_from_text": "qa.api",
    "build_rubric": "qa.api",
    "compile_rubric": "qa.api",
    "score_conversation": "qa.api",
    "score_conversations": "qa.api",
    "explain_conversation": "qa.api",
    # the plugin registry the stages are handed
    "Registry": "qa.plugins.registry",
    "PluginOptions": "qa.plugins.registry",
    "default_registry": "qa.api",
    # the data that flows between stages
    "Conversation": "qa.model",
    "Turn": "qa.model",
    "Word": "qa.model",
    "Reject": "qa.model",
    "Finding": "qa.model",
    "RuleOutcome": "qa.model",
    # writing plugins
    "Checker": "qa.rules.checkers.base",
    "Option": "qa.rules.checkers.base",
    "CompileContext": "qa.rules.checkers.base",
    "NO_FINDINGS": "qa.rules.checkers.base",
    "PreparedConversation": "qa.engine.prepared",
    "Prepared": "qa.engine.prepared",
    "Reader": "qa.ingest.base",
    "Reporter": "qa.reporters.base",
    "EmbeddingBackend": "qa.rules.text.embeddings",
    "Encoder": "qa.rules.text.embeddings",
    # errors
    "QAError": "qa.errors",
    "InputError": "qa.errors",
    "RubricError": "qa.errors",
    "ConfigError": "qa.errors",
    "PluginError": "qa.errors",
}

__all__ = ["__version__", "hookimpl", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)


_moved.install()

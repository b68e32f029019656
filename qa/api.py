"""The library facade: the stages with the plugin registry filled in.

Inside qa every function is handed what it uses (``checkers``, ``readers``, ``search_paths``). A
library user rarely wants to build those, so these wrappers take an optional ``registry`` and,
without one, build the registry of the installed plugins (honouring ``QA_PLUGINS`` and
``QA_RUBRIC_PATH``) for that call. Build one yourself and pass it along when you call them often
or load ``--plugin``-style modules::

    import qa

    registry = qa.Registry.build(qa.PluginOptions.from_env(modules=("my_rules.plugin",)))
    rubric = qa.load_rubric("my-rubric", registry=registry)
    compiled = qa.compile_rubric(rubric, registry=registry)
    for conv in qa.read_conversations(["chats.jsonl"], registry=registry):
        print(qa.score_conversation(conv, compiled)["score"])
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from qa.engine import compile as _compile
from qa.engine import score as _score
from qa.engine.compile import CompiledRubric
from qa.ingest import ReadOptions, ReadStats
from qa.ingest import read_conversations as _read_conversations
from qa.ingest import read_records as _read_records
from qa.model import Conversation, Reject, ResultDict
from qa.plugins.registry import PluginOptions, Registry
from qa.rules.rubric import loader as _loader
from qa.rules.rubric.model import Rubric


def default_registry() -> Registry:
    """The registry of the installed plugins, from the environment (``QA_PLUGINS``, ``QA_RUBRIC_PATH``)."""
    return Registry.build(PluginOptions.from_env())


def _reg(registry: Registry | None) -> Registry:
    return registry if registry is not None else default_registry()


def load_rubric(name_or_path: str | os.PathLike, *, registry: Registry | None = None) -> Rubric:
    """Load, resolve and validate a rubric by name (``zh-customer-service``) or path."""
    reg = _reg(registry)
    return _loader.load_rubric(name_or_path, checkers=reg.checkers, search_paths=reg.rubric_search_paths())


def rubric_from_text(text: str, path: str = "<inline>", *, registry: Registry | None = None) -> Rubric:
    """A rubric from YAML text; ``path`` names it in error messages."""
    reg = _reg(registry)
    return _loader.rubric_from_text(text, path, checkers=reg.checkers, search_paths=reg.rubric_search_paths())


def build_rubric(data: dict, path: str | None = None, *, registry: Registry | None = None) -> Rubric:
    """A rubric from an already parsed mapping (validated like a YAML file)."""
    return _loader.build_rubric(data, path, checkers=_reg(registry).checkers)


def compile_rubric(rubric: Rubric, *, registry: Registry | None = None, select: Iterable[str] | None = None,
                   ignore: Iterable[str] | None = None, report_all: bool = False) -> CompiledRubric:
    """The rubric ready to score: a checker per active rule (``select``/``ignore`` as ``qa score``'s;
    ``report_all`` also reports helper rules, ``report: false``)."""
    reg = _reg(registry)
    return _compile.compile_rubric(rubric, reg.checkers, embedders=reg.embedders, select=select, ignore=ignore,
                                   report_all=report_all)


def _compiled(rubric: Rubric | CompiledRubric, registry: Registry | None, **options) -> CompiledRubric:
    return rubric if isinstance(rubric, CompiledRubric) else compile_rubric(rubric, registry=registry, **options)


def score_conversation(conv: Conversation, rubric: Rubric | CompiledRubric, *,
                       registry: Registry | None = None) -> ResultDict:
    """Score one conversation; returns the result dict (docs/format.md). Compile the rubric once
    (:func:`compile_rubric`) when scoring many."""
    return _score.score_conversation(conv, _compiled(rubric, registry))


def score_conversations(conversations: Iterable[Conversation], rubric: Rubric | CompiledRubric, *,
                        registry: Registry | None = None, select: Iterable[str] | None = None,
                        ignore: Iterable[str] | None = None) -> Iterator[ResultDict]:
    """Score a stream of conversations lazily (memory stays flat)."""
    return _score.score_conversations(conversations, _compiled(rubric, registry, select=select, ignore=ignore))


def explain_conversation(conv: Conversation, rubric: Rubric | CompiledRubric, *,
                         registry: Registry | None = None) -> dict[str, Any]:
    """The result laid out for a person: transcript, each rule's status (``qa explain``)."""
    return _score.explain_conversation(conv, _compiled(rubric, registry))


def read_conversations(paths: Iterable[str | os.PathLike] | str | os.PathLike, fmt: str = "auto",
                       options: ReadOptions | None = None, stats: ReadStats | None = None, on_reject=None, *,
                       registry: Registry | None = None) -> Iterator[Conversation]:
    """The conversations of ``paths`` in any supported format; rejects go to ``on_reject`` if given."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return _read_conversations([os.fspath(p) for p in paths], fmt, options, stats, on_reject,
                               readers=_reg(registry).readers)


def read_records(paths: Iterable[str | os.PathLike], fmt: str = "auto", options: ReadOptions | None = None,
                 stats: ReadStats | None = None, *, registry: Registry | None = None
                 ) -> Iterator[Conversation | Reject]:
    """Every conversation and reject of ``paths`` in order, counted in ``stats``."""
    return _read_records([os.fspath(p) for p in paths], fmt, options, stats, readers=_reg(registry).readers)


def rubric_search_paths(registry: Registry | None = None) -> list[Path]:
    """Where rubric names are looked up (``QA_RUBRIC_PATH``, then the plugins' rubric directories)."""
    return _reg(registry).rubric_search_paths()

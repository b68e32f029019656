"""Compiling a rubric, once per run: one checker per active rule, the ``unless`` phrase groups, and the
one phrase automaton every rule shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qa.engine.scoring import ScorePlan, score_plan
from qa.errors import RubricError
from qa.rules.checkers.base import Checker, CompileContext
from qa.rules.rubric.model import Rubric, Rule
from qa.rules.text.normalize import NormalizeOptions
from qa.rules.text.phrases import PhraseIndex
from qa.rules.text.regex import compile_regex


@dataclass
class UnlessGroups:
    preceded_by: int | None = None
    followed_by: int | None = None
    same_sentence: int | None = None
    same_turn: int | None = None
    next_turn: int | None = None
    prev_turn: int | None = None
    regex: tuple = ()


@dataclass
class CompiledRule:
    rule: Rule
    checker: Checker
    unless: UnlessGroups | None


@dataclass
class CompiledRubric:
    rubric: Rubric
    rules: list[CompiledRule]
    phrases: PhraseIndex
    normalize: NormalizeOptions
    plan: ScorePlan | None = None


def compile_rubric(rubric: Rubric, checkers: Mapping[str, type], *, embedders: Mapping[str, Any] | None = None,
                   select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> CompiledRubric:
    """Instantiate every active rule's checker (``checkers``: name → class, e.g. ``registry.checkers``)
    and freeze the shared phrase automaton; ``embedders`` (``registry.embedders``) are the embedding
    backends ``similar`` rules may name.

    ``select``/``ignore`` take rule ids, id prefixes (``ban.``) or tags, like ruff's selectors.
    """
    norm = NormalizeOptions.for_language(rubric.language, rubric.normalize)
    phrases = PhraseIndex()
    ctx = CompileContext(rubric=rubric, phrases=phrases, normalize=norm, embedders=embedders or {})
    compiled: list[CompiledRule] = []
    sel = list(select or [])
    ign = list(ignore or [])
    for rule in rubric.active_rules:
        if sel and not any(_selects(s, rule) for s in sel):
            continue
        if any(_selects(s, rule) for s in ign):
            continue
        cls = checkers.get(rule.checker)
        if cls is None:
            raise RubricError(f"rule {rule.id!r} needs checker {rule.checker!r}, which no plugin registers",
                              path=rubric.path, line=rule.line)
        checker = cls(rule, ctx)
        unless = None
        if rule.unless:
            u = rule.unless
            unless = UnlessGroups(
                preceded_by=ctx.add_phrases(u.preceded_by) if u.preceded_by else None,
                followed_by=ctx.add_phrases(u.followed_by) if u.followed_by else None,
                same_sentence=ctx.add_phrases(u.same_sentence) if u.same_sentence else None,
                same_turn=ctx.add_phrases(u.same_turn) if u.same_turn else None,
                next_turn=ctx.add_phrases(u.next_turn) if u.next_turn else None,
                prev_turn=ctx.add_phrases(u.prev_turn) if u.prev_turn else None,
                regex=tuple(compile_regex(p) for p in u.regex),
            )
        compiled.append(CompiledRule(rule, checker, unless))
    phrases.build()
    return CompiledRubric(rubric, compiled, phrases, norm, score_plan(rubric))


def _selects(selector: str, rule: Rule) -> bool:
    return (rule.id == selector or rule.id.startswith(selector.rstrip(".") + ".") or selector in rule.tags
            or any(t.startswith(selector + ".") for t in rule.tags))

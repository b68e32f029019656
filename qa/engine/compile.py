"""Compiling a rubric, once per run: one checker per active rule, the ``unless`` phrase groups, and the
one phrase automaton every rule shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qa.engine.scoring import ScorePlan, score_plan
from qa.errors import RubricError
from qa.rules.checkers.base import Checker, CompileContext
from qa.rules.rubric.dependencies import closure, dependency_order, rule_dependencies, select_rules
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
    question: bool = False
    answers_question: bool = False
    answers_question_about: int | None = None
    answers_question_unless: int | None = None
    follows_statement: bool = False
    follows_statement_skip: int | None = None
    language: str | None = None


@dataclass
class CompiledRule:
    rule: Rule
    checker: Checker
    unless: UnlessGroups | None
    #: False for a rule compiled only because a selected rule reads its findings (--select/--ignore left it
    #: out): it runs, but its findings, labels and metrics are not part of the result
    report: bool = True
    #: in_reply_to: rule ids whose findings, and the phrase group whose phrases, the previous other-role turn
    #: must carry for a span finding to stand
    reply_rules: tuple[str, ...] = ()
    reply_phrases: int | None = None


@dataclass
class CompiledRubric:
    rubric: Rubric
    rules: list[CompiledRule]
    phrases: PhraseIndex
    normalize: NormalizeOptions
    plan: ScorePlan | None = None
    checkers: Mapping[str, type] = field(default_factory=dict)   # what it was compiled with, to compile
    embedders: Mapping[str, Any] = field(default_factory=dict)  # a variant of it the same way


def compile_rubric(rubric: Rubric, checkers: Mapping[str, type], *, embedders: Mapping[str, Any] | None = None,
                   select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                   report_all: bool = False) -> CompiledRubric:
    """Instantiate every active rule's checker (``checkers``: name → class, e.g. ``registry.checkers``)
    and freeze the shared phrase automaton; ``embedders`` (``registry.embedders``) are the embedding
    backends ``similar`` rules may name.

    ``select``/``ignore`` take rule ids, id prefixes (``ban.``) or tags, like ruff's selectors. Rules run after
    the rules whose findings they read (qa.rules.rubric.dependencies); a rule that a selected rule reads is
    compiled even when the selection leaves it out, but not reported. ``report_all`` reports helper rules
    (``report: false``) too, so their own examples can be run.
    """
    norm = NormalizeOptions.for_language(rubric.language, rubric.normalize)
    phrases = PhraseIndex()
    ctx = CompileContext(rubric=rubric, phrases=phrases, normalize=norm, embedders=embedders or {})
    compiled: list[CompiledRule] = []
    sel = list(select or [])
    ign = list(ignore or [])
    chosen = {rule.id for rule in rubric.active_rules
              if (not sel or any(_selects(s, rule) for s in sel)) and not any(_selects(s, rule) for s in ign)}
    deps = rule_dependencies(rubric, checkers)
    needed = closure(chosen, deps) if deps else chosen
    rules = [rule for rule in rubric.active_rules if rule.id in needed]
    if deps:
        rules = dependency_order(rules, deps, rubric)
    for rule in rules:
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
                question=u.question,
                answers_question=u.answers_question,
                answers_question_about=(ctx.add_phrases(u.answers_question_about)
                                        if u.answers_question_about else None),
                answers_question_unless=(ctx.add_phrases(u.answers_question_unless)
                                         if u.answers_question_unless else None),
                follows_statement=u.follows_statement,
                follows_statement_skip=(ctx.add_phrases(u.follows_statement_skip)
                                        if u.follows_statement_skip else None),
                language=rubric.language,
            )
        reply_rules: tuple[str, ...] = ()
        reply_phrases = None
        if rule.in_reply_to:
            reply_rules = tuple(dict.fromkeys(rid for sel in rule.in_reply_to.findings
                                              for rid in select_rules(sel, rubric.rules) if rid != rule.id))
            reply_phrases = ctx.add_phrases(rule.in_reply_to.phrases) if rule.in_reply_to.phrases else None
        compiled.append(CompiledRule(rule, checker, unless, report=rule.id in chosen and (rule.report or report_all),
                                     reply_rules=reply_rules, reply_phrases=reply_phrases))
    phrases.build()
    return CompiledRubric(rubric, compiled, phrases, norm, score_plan(rubric), checkers, embedders or {})


def _selects(selector: str, rule: Rule) -> bool:
    return (rule.id == selector or rule.id.startswith(selector.rstrip(".") + ".") or selector in rule.tags
            or any(t.startswith(selector + ".") for t in rule.tags))

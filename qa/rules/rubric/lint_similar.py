"""``qa rubric lint`` checks of ``similar`` rules (they need the rules' encoders, so the rules are compiled).

- ``similar-unless-overlap`` — a ``similar_to`` sentence is at least ``threshold`` similar to one of the
  rule's own ``unless_similar_to`` sentences: texts like it sit on the border, and which side wins depends
  on small changes of wording.
- ``similar-rules-overlap`` — a ``similar_to`` sentence of one rule would be flagged by another similarity
  rule of the rubric whose scope shares a role: one utterance would be reported (and maybe penalised) twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qa.engine.compile import compile_rubric
from qa.rules.rubric.issues import LintIssue, path_of
from qa.rules.rubric.model import Rubric

SIMILAR = "similar"


def lint_similar(rubric: Rubric, checkers: Mapping[str, type], embedders: Mapping[str, Any] | None) -> list[LintIssue]:
    ids = [r.id for r in rubric.active_rules if r.checker == SIMILAR]
    if not ids:
        return []
    compiled = compile_rubric(rubric, checkers, embedders=embedders, select=ids)
    checkers = [cr.checker for cr in compiled.rules if cr.rule.checker == SIMILAR]
    issues: list[LintIssue] = []
    for c in checkers:
        rule = c.rule
        if c.negative is None:
            continue
        sims = c.positive @ c.negative.T
        for i, sentence in enumerate(c.similar_to):
            j = int(sims[i].argmax())
            if sims[i, j] >= c.threshold:
                issues.append(LintIssue(
                    "similar-unless-overlap", rule.id,
                    f"similar_to {sentence!r} is {sims[i, j]:.2f} similar to unless_similar_to "
                    f"{c.unless_similar_to[j]!r} (threshold {c.threshold:g}): texts like it fall on the border",
                    path_of(rule, rubric), rule.line_of(f"similar_to[{i}]")))
    for a in checkers:
        for b in checkers:
            if a is b or not _roles_meet(a.rule.scope.role, b.rule.scope.role):
                continue
            hits = [s for s, row in zip(a.similar_to, b.explain(a.similar_to), strict=True) if row["matches"]]
            if hits:
                issues.append(LintIssue(
                    "similar-rules-overlap", a.rule.id,
                    f"{len(hits)} similar_to sentence(s) would also be flagged by rule {b.rule.id!r} "
                    f"(e.g. {hits[0]!r}): one utterance would be reported twice",
                    path_of(a.rule, rubric), a.rule.line_of("similar_to")))
    return issues


def _roles_meet(a, b) -> bool:
    return a is None or b is None or bool(set(a) & set(b))

"""A rubric's ``complaint-type`` rules used as a text classifier, through the real engine.

Each text becomes a one-turn conversation in the rule's scope role and is checked exactly as
``qa score`` would check it, so evaluating a rubric measures what scoring will do.
"""

from __future__ import annotations

from collections.abc import Mapping

from qa.engine.compile import compile_rubric
from qa.engine.prepared import PreparedConversation
from qa.engine.score import run_rules
from qa.errors import RubricError
from qa.model import Conversation, Turn

CHECKER = "complaint-type"


class RubricClassifier:
    """``checkers`` (name → class, e.g. ``registry.checkers``) compile the rubric's complaint-type rules."""

    def __init__(self, rubric, checkers: Mapping[str, type]):
        rules = [r for r in rubric.active_rules if r.checker == CHECKER]
        if not rules:
            raise RubricError(f"rubric {rubric.id!r} has no active {CHECKER} rule", path=rubric.path,
                              hint="evaluate a rubric such as complaints-zh, or a model file")
        self.rubric = rubric
        self.compiled = compile_rubric(rubric, checkers, select=[r.id for r in rules])
        self.role = (rules[0].scope.role or ("customer",))[0]
        labels: list[str] = []
        for cr in self.compiled.rules:
            labels += [t.id for t in cr.checker.types]
        self.labels = list(dict.fromkeys(labels + ["other"]))

    def predict_one(self, text: str) -> list[dict]:
        conv = Conversation("text", [Turn(self.role, text)], language=self.rubric.language)
        _f, _na, _m, labels, errors = run_rules(PreparedConversation(conv, self.compiled), self.compiled)
        if errors:
            raise RuntimeError(errors[0]["error"])
        return labels.get("complaint_types", [])

    def predict(self, texts) -> list[list[tuple[str, float]]]:
        out = []
        for t in texts:
            best: dict[str, float] = {}
            for e in self.predict_one(t):
                best[e["type"]] = max(best.get(e["type"], 0.0), e["confidence"])
            out.append(sorted(best.items(), key=lambda x: -x[1]))
        return out

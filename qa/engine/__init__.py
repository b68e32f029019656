"""The engine: compile a rubric once (:mod:`qa.engine.compile`), prepare each conversation
(:mod:`qa.engine.prepared`), run the rules and apply ``unless`` (:mod:`qa.engine.score`), and the score
arithmetic (:mod:`qa.engine.scoring`)."""

from qa.engine.compile import CompiledRubric, CompiledRule, UnlessGroups, compile_rubric
from qa.engine.score import explain_conversation, run_rules, score_conversation, score_conversations

__all__ = ["CompiledRubric", "CompiledRule", "UnlessGroups", "compile_rubric", "explain_conversation", "run_rules",
           "score_conversation", "score_conversations"]

"""Rubrics: YAML rule sets, loaded safely, validated with precise locations, composed with extends."""

from qa.rules.rubric.loader import find_rubric, known_rubrics, load_rubric, rubric_from_text
from qa.rules.rubric.model import Example, Rubric, Rule, Scope, Scoring, Section, Unless

__all__ = ["Example", "Rubric", "Rule", "Scope", "Scoring", "Section", "Unless", "find_rubric", "known_rubrics",
           "load_rubric", "rubric_from_text"]

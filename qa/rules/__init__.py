"""The rules stage: rubrics (YAML → Rubric), the checkers that implement rule kinds, and the text
machinery they share (normalisation, the phrase automaton, safe regexes, tokens)."""

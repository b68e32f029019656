"""Text machinery shared by checkers: the phrase automaton, safe regexes, lazy tokens."""

"""Builtin checkers. Each module holds one checker family; all register through qa.plugins.builtin."""

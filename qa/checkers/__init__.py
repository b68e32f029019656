"""Builtin checkers. Each module holds one checker family; all register through qa.builtin_plugin."""

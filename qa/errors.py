"""Errors a user can cause, each carrying where it happened.

A user mistake raises one of these; the CLI prints ``str(err)`` and exits with ``err.exit_code``
(never a traceback unless ``--debug``). A bug is any other exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3


class QAError(Exception):
    """Base class of every error caused by input, configuration or usage."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def location(self) -> str:
        parts = []
        if self.path:
            parts.append(str(self.path) + (f":{self.line}" if self.line is not None else ""))
        if self.field:
            parts.append(f"[{self.field}]")
        return " ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


class InputError(QAError):
    """A conversation record (or a whole input file) is malformed."""


class RubricError(QAError):
    """A rubric file is malformed or inconsistent."""


class ConfigError(QAError):
    """Configuration, option or plugin problem."""


class PluginError(ConfigError):
    """A plugin failed to load or registered something invalid."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A ``did you mean 'x'?`` hint, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None

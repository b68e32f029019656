"""Reading the files ``qa eval`` takes — YAML settings and JSONL records — with errors naming file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, InputError, QAError
from qa.rules.rubric.yamlsafe import load_yaml


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML of a settings file (``what`` names it in errors); an unreadable file or a syntax error
    is a :class:`ConfigError` with the line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}", path=str(path)) from None
    try:
        return load_yaml(text, str(path))
    except QAError as exc:
        raise ConfigError(exc.message, path=str(path), line=exc.line) from None


def jsonl_objects(path: str | Path, what: str) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line of a JSONL file; invalid JSON, a line that is not an
    object, or bytes that are not UTF-8 are an :class:`InputError` with the line."""
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", path=str(path)) from None
    with fh:
        lineno = 0
        try:
            for lineno, text in enumerate(fh, 1):
                if not text.strip():
                    continue
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", path=str(path),
                                     line=lineno) from None
                if not isinstance(data, dict):
                    raise InputError("expected a JSON object", path=str(path), line=lineno)
                yield lineno, data
        except UnicodeDecodeError:
            raise InputError(f"the {what} is not UTF-8", path=str(path), line=lineno + 1) from None

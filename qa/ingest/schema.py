"""The JSON Schema of the canonical format (``qa/schemas/conversation.schema.json``), for ``qa validate``."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from qa.model import FORMAT_VERSION


@functools.lru_cache(maxsize=1)
def conversation_schema() -> dict[str, Any]:
    text = resources.files("qa").joinpath("schemas/conversation.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    if schema.get("x-format-version") != FORMAT_VERSION:  # pragma: no cover - caught by the tests
        raise AssertionError("conversation.schema.json and qa.model.FORMAT_VERSION disagree")
    return schema


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = conversation_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def field_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def schema_problems(d: Any) -> list[tuple[str | None, str]]:
    """``(field, message)`` for each way ``d`` breaks the schema, most specific first."""
    errors = sorted(_validator().iter_errors(d), key=lambda e: (-len(e.absolute_path), e.message))
    return [(field_path(e.absolute_path) or None, f"schema: {e.message[:300]}") for e in errors]

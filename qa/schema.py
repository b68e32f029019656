"""One declarative description of the YAML and TOML a user writes: its keys, their types, defaults,
allowed values and documentation.

A :class:`Schema` is a mapping of key → :class:`Field`. :meth:`Schema.check` validates one mapping
read with :mod:`qa.rules.rubric.yamlsafe` (so every key knows its line): an unknown key is an error
with a did-you-mean hint, a value of the wrong type or outside the field's choices an error naming
the file, line and key path — the same messages the hand-written checks gave. What a field cannot say
(a regex that must compile, two keys that depend on each other) stays in the code that uses the schema.
:meth:`Schema.rows` gives the documentation (docs/format.md and ``qa rubric show`` render from it).

Errors are raised through a :class:`Where` — the file, the error class (``ConfigError`` for mapping
and config files, ``RubricError`` for rubrics) and the key path so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qa.errors import QAError, did_you_mean

_TYPE_WORDS = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
               dict: "a mapping"}


@dataclass(frozen=True)
class Field:
    """One key: what it holds and what it means."""

    type: type | tuple[type, ...]
    doc: str
    default: Any = None
    choices: tuple | None = None       # allowed values
    item: type | None = None           # the type of a list's items
    nullable: bool = True              # null (``~``) means "not given"
    message: str | None = None         # the error for a wrong type: "{key} must be …" (default from the type)
    kind: str | None = None            # how the value reads in the docs when the type does not say it

    def describe(self) -> str:
        """How the type reads in documentation and errors: ``a string``, ``a list of strings`` …"""
        if self.kind:
            return self.kind
        if self.choices is not None:
            return "one of " + ", ".join(str(c) for c in self.choices)
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        words = " or ".join(_TYPE_WORDS.get(t, t.__name__) for t in types)
        if list in types and self.item is not None:
            words = f"a list of {_TYPE_WORDS.get(self.item, self.item.__name__)[2:]}s"
        return words


@dataclass
class Where:
    """Where a mapping being checked sits: its file, the error class to raise, and its key path."""

    path: str | None
    error: type[QAError]
    prefix: str = ""

    def key(self, key: Any) -> str:
        return f"{self.prefix}{key}"

    def fail(self, message: str, node: Any, key: Any, hint: str | None = None) -> QAError:
        return self.error(message, path=self.path, line=line_of(node, key), field=self.key(key), hint=hint)

    def inside(self, key: str) -> Where:
        return Where(self.path, self.error, f"{self.prefix}{key}.")


@dataclass(frozen=True)
class Schema:
    """The keys a mapping may have."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    unknown: str = "unknown key {key!r}"   # the error for a key the schema does not know

    def __iter__(self):
        return iter(self.fields)

    def __contains__(self, key) -> bool:
        return key in self.fields

    def check(self, node: Mapping[str, Any], where: Where) -> dict[str, Any]:
        """The node's values, type-checked, with each absent field's default; raises ``where.error``."""
        for key in node:
            if key not in self.fields:
                raise where.fail(self.unknown.format(key=key), node, key,
                                 hint=did_you_mean(str(key), self.fields) or f"known keys: {', '.join(self.fields)}")
        out: dict[str, Any] = {}
        for key, f in self.fields.items():
            if key not in node:
                out[key] = f.default
                continue
            out[key] = check_value(node[key], f, node, key, where)
        return out

    def rows(self) -> list[tuple[str, str, Any, str]]:
        """``(key, type, default, doc)`` per field, for documentation."""
        return [(key, f.describe(), f.default, f.doc) for key, f in self.fields.items()]


def line_of(node: Any, key: Any = None) -> int | None:
    """The line of ``key`` in a mapping or list read by qa.rules.rubric.yamlsafe (or of the node itself)."""
    lines = getattr(node, "lines", None)
    if lines is not None and key is not None and key in lines:
        return lines[key]
    items = getattr(node, "item_lines", None)
    if items is not None and isinstance(key, int) and 0 <= key < len(items):
        return items[key]
    return getattr(node, "line", None)


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


def check_value(value: Any, f: Field, node: Any, key: str, where: Where) -> Any:
    """One value against its field (``node[key]`` is where it was written, for the line number)."""
    if value is None:
        if f.nullable:
            return f.default
        raise where.fail(f.message or f"{where.key(key)} must be {f.describe()}", node, key)
    types = f.type if isinstance(f.type, tuple) else (f.type,)
    ok = _is(value, types)
    if ok and isinstance(value, list) and f.item is not None:
        ok = all(_is(v, (f.item,)) for v in value)
    if not ok:
        raise where.fail(f.message or f"{where.key(key)} must be {f.describe()}", node, key)
    if f.choices is not None and value not in f.choices:
        raise where.fail(f"{where.key(key)} must be one of {list(f.choices)}, got {value!r}", node, key,
                         hint=did_you_mean(str(value), [str(c) for c in f.choices]))
    return value


def markdown(schemas: Mapping[str, Schema]) -> str:
    """A table of every key of these schemas (``{"": top, "turn.": turn, …}``: key prefixes), for docs."""
    lines = ["| key | value | default | meaning |", "|---|---|---|---|"]
    for prefix, schema in schemas.items():
        for key, kind, default, doc in schema.rows():
            shown = "" if default is None else f"`{default!r}`"
            doc = doc.replace("|", "\\|")
            lines.append(f"| `{prefix}{key}` | {kind} | {shown} | {doc} |")
    return "\n".join(lines) + "\n"

"""Safe YAML loading that remembers where every mapping key was written.

Only plain data is constructed (``yaml.SafeLoader``); any ``!!python`` tag is refused. Each mapping
becomes a :class:`LineDict` whose ``lines`` maps a key to its 1-based line number, so validation
errors can say "rubric.yaml:42 [rules[3].phrases]".

Parsing uses libyaml (``yaml.CSafeLoader``, about 6× faster) when PyYAML was built with it. Its error
texts differ from PyYAML's, so a document libyaml refuses is parsed again by the pure-Python loader,
whose error is the one reported: messages are the same with or without libyaml.
"""

from __future__ import annotations

from typing import Any

import yaml

from qa.errors import RubricError


class LineDict(dict):
    """A dict that knows the line of each of its keys (``.lines``) and of itself (``.line``)."""

    __slots__ = ("lines", "line")

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.lines: dict[Any, int] = {}
        self.line: int | None = None


class LineList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.line: int | None = None
        self.item_lines: list[int] = []


class _Loader(yaml.SafeLoader):
    pass


_FastLoader = None
if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise RubricError("a mapping key must be a plain value", line=key_node.start_mark.line + 1) from None
        if key in out:
            raise RubricError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1, field=str(key))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader, node):
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


for _cls in (_Loader, _FastLoader):
    if _cls is not None:
        _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
        _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, path: str | None = None) -> Any:
    """Parse YAML text safely; syntax errors become RubricError with the line."""
    if _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - _FastLoader derives from CSafeLoader
        except (yaml.YAMLError, RubricError):
            pass  # report the error exactly as the pure-Python loader words it
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except RubricError as exc:
        exc.path = path
        raise
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RubricError(f"unsupported YAML tag: {exc.problem}", path=path, line=line,
                          hint="rubrics may only contain plain data (no !! tags)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"YAML syntax error: {problem}", path=path, line=line) from None


def line_of(node: Any, key: Any = None) -> int | None:
    """The line of ``key`` inside ``node`` (or of ``node`` itself) if known."""
    if isinstance(node, LineDict):
        if key is not None and key in node.lines:
            return node.lines[key]
        return node.line
    if isinstance(node, LineList):
        if isinstance(key, int) and 0 <= key < len(node.item_lines):
            return node.item_lines[key]
        return node.line
    return None


def plain(x: Any) -> Any:
    """A parsed value as plain dicts and lists (keys as strings), without the line bookkeeping."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [plain(v) for v in x]
    return x

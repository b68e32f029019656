"""Named lexicons: a phrase list defined once (``lexicons: {apology: [抱歉, 对不起, …]}``) and used by
name (``$apology``) wherever a rule takes a phrase list, in this rubric and in every rubric that extends it.

A definition is a list of phrases or ``{phrases, about, source}``; its items may themselves be references
(``excuse: [$apology, $reason]``). A child rubric may redefine an inherited lexicon, and ``$name`` inside
that definition means the inherited version (``apology: [$apology, 深表歉意]``). Rules are expanded with the
final table of the rubric that is loaded, so a child's redefinition reaches the rules it inherits.

In regex patterns a lexicon is spliced in as ``{$name}``: an RE2 group of its escaped phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qa.errors import RubricError, did_you_mean
from qa.rules.rubric.yamlsafe import LineList, line_of

_WHOLE_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\Z")
_IN_PATTERN = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)\}")
DEFINITION_KEYS = ("phrases", "about", "source")


@dataclass(frozen=True)
class Lexicon:
    """A resolved lexicon: its phrases with every reference expanded, and how it was written."""

    name: str
    phrases: tuple[str, ...]
    written: tuple[str, ...]
    about: str = ""
    source: str | None = None
    origin: str | None = None  # "path:line" of the definition

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(m.group(1) for w in self.written if (m := _WHOLE_REFERENCE.match(w)))


Table = dict[str, Lexicon]


def reference(item: Any) -> str | None:
    """The lexicon name when ``item`` is a reference (``$apology``), else None."""
    if isinstance(item, str):
        m = _WHOLE_REFERENCE.match(item)
        if m:
            return m.group(1)
    return None


def _unknown(name: str, table: Table, path, line, field) -> RubricError:
    known = sorted(table)
    hint = did_you_mean("$" + name, ["$" + k for k in known]) or (
        f"lexicons: {', '.join('$' + k for k in known)}" if known else "define it under the rubric's `lexicons:` key")
    return RubricError(f"unknown lexicon ${name}", path=path, line=line, field=field, hint=hint)


def read_lexicons(node: Any, path: str | None, inherited: Table) -> Table:
    """Validate a rubric's ``lexicons:`` mapping and resolve it over the inherited table."""
    if not isinstance(node, dict):
        raise RubricError("lexicons must be a mapping of name: [phrases]", path=path, field="lexicons")
    raw: dict[str, tuple[list, dict, Any]] = {}
    for name, value in node.items():
        field = f"lexicons.{name}"
        line = line_of(node, name)
        if not isinstance(name, str) or not _WHOLE_REFERENCE.match("$" + name):
            raise RubricError(f"lexicon name {name!r} must be a word of letters, digits and _", path=path,
                              line=line, field=field)
        meta: dict = {}
        items = value
        if isinstance(value, dict):
            for key in value:
                if key not in DEFINITION_KEYS:
                    raise RubricError(f"unknown key {key!r}", path=path, line=line_of(value, key),
                                      field=f"{field}.{key}", hint=did_you_mean(str(key), DEFINITION_KEYS)
                                      or f"a lexicon takes: {', '.join(DEFINITION_KEYS)}")
            if "phrases" not in value:
                raise RubricError("a lexicon needs phrases", path=path, line=line, field=f"{field}.phrases")
            items = value["phrases"]
            meta = {k: str(value[k]).strip() for k in ("about", "source") if value.get(k) is not None}
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not items:
            raise RubricError("a lexicon is a non-empty list of phrases", path=path, line=line, field=field)
        for j, p in enumerate(items):
            if not isinstance(p, (str, int, float)) or isinstance(p, bool) or not str(p).strip():
                raise RubricError(f"phrase {j} must be a non-empty string, got {p!r}", path=path,
                                  line=_item_line(items, j, line), field=f"{field}[{j}]")
        raw[name] = (items, meta, line)

    table: Table = dict(inherited)
    done: dict[str, Lexicon] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> Lexicon:
        if name in done:
            return done[name]
        if name in chain:
            items, _meta, line = raw[name]
            raise RubricError("lexicons refer to each other in a cycle: "
                              + " → ".join("$" + n for n in (*chain[chain.index(name):], name)),
                              path=path, line=line, field=f"lexicons.{name}")
        items, meta, line = raw[name]
        phrases: list[str] = []
        for j, item in enumerate(items):
            ref = reference(item)
            if ref is None:
                phrases.append(str(item).strip())
                continue
            if ref == name:  # the inherited definition
                if name not in inherited:
                    raise RubricError(f"lexicon ${name} refers to itself and no parent rubric defines it",
                                      path=path, line=_item_line(items, j, line), field=f"lexicons.{name}[{j}]")
                phrases.extend(inherited[name].phrases)
            elif ref in raw:
                phrases.extend(resolve(ref, (*chain, name)).phrases)
            elif ref in inherited:
                phrases.extend(inherited[ref].phrases)
            else:
                raise _unknown(ref, {**inherited, **dict.fromkeys(raw)}, path, _item_line(items, j, line),
                               f"lexicons.{name}[{j}]")
        lex = Lexicon(name, tuple(dict.fromkeys(phrases)), tuple(str(x) for x in items), meta.get("about", ""),
                      meta.get("source"), f"{path}:{line}" if path and line else path)
        done[name] = lex
        return lex

    for name in raw:
        table[name] = resolve(name, ())
    return table


def _item_line(items: Any, j: int, default: int | None) -> int | None:
    if isinstance(items, LineList) and j < len(items.item_lines):
        return items.item_lines[j]
    return default


def expand(items: list, table: Table, path: str | None, line: int | None, field: str,
           used: set[str] | None = None) -> list[str]:
    """A phrase list with each ``$name`` item replaced by the lexicon's phrases, in order."""
    out: list[str] = []
    for j, item in enumerate(items):
        ref = reference(item)
        if ref is None:
            out.append(item)
            continue
        lex = table.get(ref)
        if lex is None:
            raise _unknown(ref, table, path, _item_line(items, j, line), f"{field}[{j}]")
        if used is not None:
            used.add(ref)
        out.extend(lex.phrases)
    return out


def expand_pattern(pattern: str, table: Table, path: str | None, line: int | None, field: str,
                   used: set[str] | None = None) -> str:
    """A regex pattern with each ``{$name}`` replaced by ``(?:phrase|phrase…)`` (phrases escaped)."""
    if reference(pattern) is not None:
        raise RubricError(f"{pattern!r} is a lexicon reference in a list of regex patterns", path=path, line=line,
                          field=field, hint=f"write {{{pattern}}} inside a pattern to splice the lexicon in")

    def splice(m: re.Match) -> str:
        name = m.group(1)
        lex = table.get(name)
        if lex is None:
            raise _unknown(name, table, path, line, field)
        if used is not None:
            used.add(name)
        return "(?:" + "|".join(re.escape(p) for p in sorted(lex.phrases, key=len, reverse=True)) + ")"

    return _IN_PATTERN.sub(splice, pattern)


def has_references(value: Any) -> bool:
    """True if a written value holds a ``$name`` item or a ``{$name}`` splice anywhere."""
    if isinstance(value, str):
        return reference(value) is not None or _IN_PATTERN.search(value) is not None
    if isinstance(value, dict):
        return any(has_references(v) for v in value.values())
    if isinstance(value, list):
        return any(has_references(v) for v in value)
    return False

"""``qa rubric diff``: what changed between two rubric versions, rule by rule.

Rules are matched by id. A changed rule lists the keys that differ; list keys of strings (phrases,
tags) say which items were added and removed, other keys give the old and new value. Rubric-level
changes (version, scoring, sections) are reported too, so a QA lead can see why scores moved.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import RubricError
from qa.rules.rubric.loader import load_rubric, rubric_from_text
from qa.rules.rubric.model import Rubric, Rule

RULE_FIELDS = ("title", "why", "source", "checker", "severity", "points", "max_points", "section", "tags",
               "message", "scope", "unless", "examples", "enabled")


@dataclass
class RubricDiff:
    old: dict[str, str]
    new: dict[str, str]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)   # rule id → key → change
    rubric: dict[str, Any] = field(default_factory=dict)               # top-level key → change

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.rubric)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """A readable report, one change per line."""
        out = [f"{self.old['id']} {self.old['version']} → {self.new['id']} {self.new['version']}"]
        for key, ch in self.rubric.items():
            out.append(f"  rubric {key}: {_show(ch)}")
        out += [f"+ {r}" for r in self.added]
        out += [f"- {r}" for r in self.removed]
        for rid, keys in self.changed.items():
            out.append(f"~ {rid}: " + ", ".join(keys))
            out += [f"    {k}: {_show(ch)}" for k, ch in keys.items()]
        if self.empty:
            out.append("  no rule changes")
        return out


SHOW_CHARS = 80


def _short(x: Any) -> str:
    text = x if isinstance(x, str) else json.dumps(x, ensure_ascii=False, sort_keys=True)
    text = repr(text) if isinstance(x, str) else text
    return text if len(text) <= SHOW_CHARS else text[: SHOW_CHARS - 1] + "…"


def _show(ch: dict[str, Any]) -> str:
    if "added" in ch or "removed" in ch:
        parts = [f"+{_short(x)}" for x in ch.get("added", [])] + [f"-{_short(x)}" for x in ch.get("removed", [])]
        return " ".join(parts) or "reordered"
    return f"{_short(ch['from'])} → {_short(ch['to'])}"


def _key(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False, sort_keys=True, default=str)


def _change(a: Any, b: Any) -> dict[str, Any] | None:
    """The change from ``a`` to ``b``: items added/removed for lists, from/to otherwise."""
    if a == b:
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        ka, kb = {_key(x) for x in a}, {_key(x) for x in b}
        return {"added": [x for x in b if _key(x) not in ka], "removed": [x for x in a if _key(x) not in kb]}
    return {"from": a, "to": b}


def _flatten(view: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings become dotted keys (``trigger.phrases``) so a diff names the exact key that changed."""
    out: dict[str, Any] = {}
    for k, v in view.items():
        if isinstance(v, dict) and v:
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _rule_view(rule: Rule) -> dict[str, Any]:
    view = {k: getattr(rule, k) for k in RULE_FIELDS}
    view["scope"] = asdict(rule.scope)
    view["unless"] = asdict(rule.unless)
    view["examples"] = [{"kind": e.kind, "text": e.text, "conversation": e.conversation} for e in rule.examples]
    view["tags"] = list(rule.tags)
    for k, v in rule.options.items():
        view[k] = list(v) if isinstance(v, tuple) else v
    return view


def diff_rubrics(old: Rubric, new: Rubric) -> RubricDiff:
    d = RubricDiff(old.ref(), new.ref())
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    d.added = [r for r in new_rules if r not in old_rules]
    d.removed = [r for r in old_rules if r not in new_rules]
    for rid, rule in new_rules.items():
        if rid not in old_rules:
            continue
        a, b = _flatten(_rule_view(old_rules[rid])), _flatten(_rule_view(rule))
        keys = {}
        for k in dict.fromkeys([*a, *b]):
            ch = _change(a.get(k), b.get(k))
            if ch is not None:
                keys[k] = ch
        if keys:
            d.changed[rid] = keys
    for key, a, b in (("version", old.version, new.version), ("language", old.language, new.language),
                      ("scoring", asdict(old.scoring), asdict(new.scoring)),
                      ("sections", {s.id: s.weight for s in old.sections}, {s.id: s.weight for s in new.sections}),
                      ("normalize", old.normalize, new.normalize)):
        ch = _change(a, b)
        if ch is not None:
            d.rubric[key] = ch
    return d


def load_version(spec: str, *, checkers: Mapping[str, type], search_paths: Sequence[Path]) -> Rubric:
    """Load a rubric by name or path, or a committed version of a file: ``rubrics/zh.yaml@v1.2`` (any git
    revision). A committed version's ``extends`` parents are resolved from the working tree."""
    path, sep, rev = spec.rpartition("@")
    if not sep or not path or not rev or not Path(path).is_file():
        return load_rubric(spec, checkers=checkers, search_paths=search_paths)
    p = Path(path).resolve()
    try:
        top = subprocess.run(["git", "-C", str(p.parent), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        rel = p.relative_to(Path(top).resolve()).as_posix()
        text = subprocess.run(["git", "-C", top, "show", f"{rev}:{rel}"], capture_output=True, text=True,
                              check=True, encoding="utf-8").stdout
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        last = detail.strip().splitlines()[-1] if detail.strip() else str(exc)
        raise RubricError(f"cannot read {path} at revision {rev!r}: {last}", path=path,
                          hint="give PATH@REV with a git revision (tag, branch, commit) that has the file") from None
    return rubric_from_text(text, f"{path}@{rev}", checkers=checkers, search_paths=search_paths)

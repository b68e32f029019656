"""Which rules implement which label: the mapping ``qa eval`` compares through (``targets.yaml``).

The shipped :data:`DEFAULT_TARGETS` file is written for the shipped zh and en rubrics; a rubric whose rules
are named otherwise passes its own file with ``qa eval --targets FILE`` (same keys). :func:`resolve` turns
the file's selectors (an id, a glob over ids, ``tag:NAME``) into the rule ids of one rubric.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import ConfigError, did_you_mean
from qa.eval.files import read_yaml
from qa.eval.labels import BANNED_CATEGORIES, COMPLAINT_TYPES
from qa.rules.rubric.yamlsafe import line_of

DEFAULT_TARGETS = Path(__file__).with_name("targets.yaml")
COURTESY_FACTS = ("greeting", "closing", "apology", "hold")
KEYS = ("banned", "courtesy", "complaints", "complaint_types", "escalation", "callbacks")


@dataclass(frozen=True)
class Targets:
    """Selectors per label, as written in a targets file."""

    banned: dict[str, tuple[str, ...]]
    courtesy: dict[str, tuple[str, ...]]
    complaints: tuple[str, ...]
    complaint_types: dict[str, str]
    escalation: tuple[str, ...]
    callbacks: tuple[str, ...]
    path: str = str(DEFAULT_TARGETS)

    def complaint_type(self, qa_type: str) -> str:
        """The label type a qa complaint type id counts as."""
        if qa_type in self.complaint_types:
            return self.complaint_types[qa_type]
        return qa_type if qa_type in COMPLAINT_TYPES else "other"


@dataclass(frozen=True)
class Resolved:
    """The rule ids of one rubric behind each label (a label with no rule is absent)."""

    banned: dict[str, tuple[str, ...]] = field(default_factory=dict)
    courtesy: dict[str, tuple[str, ...]] = field(default_factory=dict)
    complaints: tuple[str, ...] = ()
    escalation: tuple[str, ...] = ()
    callbacks: tuple[str, ...] = ()

    def categories_of(self, rule: str) -> frozenset[str]:
        return frozenset(c for c, rules in self.banned.items() if rule in rules)

    @property
    def banned_rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for rules in self.banned.values() for r in rules))


def load_targets(path: str | Path | None = None) -> Targets:
    """The shipped targets, with what a user's file at ``path`` says laid over them: a key the file gives
    replaces the shipped one (``escalation``, ``callbacks``, ``complaints``), entry by entry for the tables
    (``banned``, ``courtesy``, ``complaint_types``); ``refusal: []`` unmaps a label."""
    default, _ = _read_targets(str(DEFAULT_TARGETS))
    if path is None or Path(path).resolve() == DEFAULT_TARGETS.resolve():
        return default
    user, given = _read_targets(str(path))
    return Targets(
        banned={**default.banned, **user.banned}, courtesy={**default.courtesy, **user.courtesy},
        complaints=user.complaints if "complaints" in given else default.complaints,
        complaint_types={**default.complaint_types, **user.complaint_types},
        escalation=user.escalation if "escalation" in given else default.escalation,
        callbacks=user.callbacks if "callbacks" in given else default.callbacks, path=str(path))


def _read_targets(path: str) -> tuple[Targets, set[str]]:
    """A targets file as written, and the keys it gives."""
    data = read_yaml(path, "targets file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("a targets file is a YAML mapping", path=path, line=1)

    def err(msg, node, key, fld, hint=None):
        return ConfigError(msg, path=path, line=line_of(node, key), field=fld, hint=hint)

    for k in data:
        if k not in KEYS:
            raise err(f"unknown key {k!r}", data, k, k, did_you_mean(str(k), KEYS) or f"known keys: {', '.join(KEYS)}")

    def selectors(node, key, fld) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise err("expected a list of rule ids, globs or tag:NAME", node, key, fld)
        return tuple(v.strip() for v in value)

    def table(key, allowed) -> dict[str, tuple[str, ...]]:
        node = data.get(key) or {}
        if not isinstance(node, dict):
            raise err("expected a mapping label: [rules]", data, key, key)
        for k in node:
            if k not in allowed:
                raise err(f"unknown {key} label {k!r}; one of: {', '.join(allowed)}", node, k, f"{key}.{k}",
                          did_you_mean(str(k), allowed))
        return {k: selectors(node, k, f"{key}.{k}") for k in allowed if k in node}

    types = data.get("complaint_types") or {}
    if not isinstance(types, dict):
        raise err("expected a mapping qa type id: label type", data, "complaint_types", "complaint_types")
    for k, v in types.items():
        if v not in COMPLAINT_TYPES:
            raise err(f"{v!r} is not a label type; one of: {', '.join(COMPLAINT_TYPES)}", types, k,
                      f"complaint_types.{k}", did_you_mean(str(v), COMPLAINT_TYPES))
    targets = Targets(banned=table("banned", BANNED_CATEGORIES), courtesy=table("courtesy", COURTESY_FACTS),
                      complaints=selectors(data, "complaints", "complaints"),
                      complaint_types={str(k): v for k, v in types.items()},
                      escalation=selectors(data, "escalation", "escalation"),
                      callbacks=selectors(data, "callbacks", "callbacks"), path=path)
    return targets, set(data)


def select_rules(selectors: Iterable[str], rules: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """The ids of ``rules`` (``(id, tags)`` in rubric order) that any selector names."""
    sels = list(selectors)
    out = []
    for rid, tags in rules:
        for s in sels:
            if s.startswith("tag:"):
                hit = s[4:] in tags
            elif any(ch in s for ch in "*?["):
                hit = fnmatch.fnmatchcase(rid, s)
            else:
                hit = rid == s
            if hit:
                out.append(rid)
                break
    return tuple(out)


def resolve(targets: Targets, rules: Iterable[tuple[str, tuple[str, ...]]]) -> Resolved:
    """The targets' selectors as rule ids of a rubric whose active rules are ``(id, tags)``."""
    rules = list(rules)

    def pick(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        out = {k: select_rules(v, rules) for k, v in table.items()}
        return {k: v for k, v in out.items() if v}

    return Resolved(banned=pick(targets.banned), courtesy=pick(targets.courtesy),
                    complaints=select_rules(targets.complaints, rules),
                    escalation=select_rules(targets.escalation, rules),
                    callbacks=select_rules(targets.callbacks, rules))

"""Load a rubric: find the file, parse safely, resolve ``extends``, validate every key, hash.

Errors name the file, the line and the key path, with a hint where one helps::

    rubrics/zh.yaml:42 [rules[3].phrase]: unknown key 'phrase' — did you mean 'phrases'?
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qa.errors import RubricError, did_you_mean
from qa.model import CHANNELS, ROLES, SEVERITIES
from qa.rules.rubric.dependencies import check_dependencies
from qa.rules.rubric.lexicons import Table, expand, expand_pattern, read_lexicons
from qa.rules.rubric.model import Example, InReplyTo, Rubric, Rule, Scope, Scoring, Section, Unless
from qa.rules.rubric.yamlsafe import LineDict, LineList, line_of, load_yaml
from qa.rules.rubric.yamlsafe import plain as _plain
from qa.rules.text.regex import compile_regex

TOP_KEYS = {
    "id": "stable identifier of the rubric",
    "version": "semantic version, recorded with every score",
    "title": "human title",
    "description": "longer description",
    "language": "zh | en | …: the language phrases are written in",
    "extends": "list of rubric names or paths this rubric builds on",
    "scoring": "{base, pass_mark, fatal}",
    "sections": "list of {id, title, weight}",
    "rules": "list of rules",
    "disable": "rule ids inherited through extends to switch off",
    "normalize": "text normalisation options {t2s, width, lowercase, strip_pinyin}",
    "scorecard": "scorecard policy (escalation ladder, minimum conversations)",
    "lexicons": "named phrase lists {name: [phrases]} that rules use as $name",
}
RULE_KEYS = {
    "id": "stable rule id, e.g. ban.refusal",
    "title": "one-line title",
    "why": "why the rule exists, shown to agents",
    "source": "where the rule comes from (a policy document)",
    "checker": "the registered checker that applies the rule",
    "severity": "info | minor | major | critical (critical = fatal)",
    "points": "points deducted per finding",
    "max_points": "cap on the points this rule deducts per conversation",
    "section": "section id the deduction counts against",
    "tags": "labels for grouping (banned, courtesy.greeting, timing.reply_wait …)",
    "message": "finding message template; {evidence} and checker fields are substituted",
    "scope": "{role, first, last, channel, within_s}",
    "unless": "{preceded_by, followed_by, window, same_sentence, same_turn, regex, next_turn, prev_turn, question, "
              "answers_question, follows_statement}",
    "examples": "{fail: [...], pass: [...]} run by `qa rubric test`",
    "enabled": "false switches the rule off (also in a child rubric)",
    "report": "false: a helper rule whose findings only feed other rules (not reported, no deduction)",
    "in_reply_to": "{findings, phrases}: a finding stands only in reply to a turn with these findings or phrases",
}
SCOPE_KEYS = {"role", "first", "last", "channel", "within_s"}
UNLESS_KEYS = {"preceded_by", "followed_by", "window", "same_sentence", "same_turn", "regex", "next_turn",
               "prev_turn", "question", "answers_question", "follows_statement"}
_UNLESS_FLAGS = {"window", "question", "answers_question", "follows_statement"}
SCORING_KEYS = {"base", "pass_mark", "fatal"}
SECTION_KEYS = {"id", "title", "weight"}
FATAL_POLICIES = ("zero", "fail", "ignore")
RUBRIC_SUFFIXES = (".yaml", ".yml")


def _err(msg: str, path: str | None, node: Any, key: Any, field: str, hint: str | None = None) -> RubricError:
    return RubricError(msg, path=path, line=line_of(node, key), field=field, hint=hint)


def _check_keys(node: Any, allowed, path: str | None, where: str, extra_allowed=()) -> None:
    for key in node:
        if key not in allowed and key not in extra_allowed:
            choices = list(allowed) + list(extra_allowed)
            raise _err(f"unknown key {key!r}", path, node, key, f"{where}.{key}" if where else str(key),
                       did_you_mean(str(key), choices) or f"allowed keys: {', '.join(sorted(map(str, choices)))}")


def _mapping(node: Any, path, where: str, parent=None, key=None) -> dict:
    if not isinstance(node, dict):
        raise _err(f"expected a mapping, got {type(node).__name__}", path, parent if parent is not None else node,
                   key, where)
    return node


def _str_list(value: Any, path, node, key, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                              for v in value):
        raise _err("expected a string or a list of strings", path, node, key, where)
    return tuple(str(v) for v in value)


def _number(value: Any, path, node, key, where: str, minimum: float | None = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _err(f"expected a number, got {value!r}", path, node, key, where)
    if minimum is not None and value < minimum:
        raise _err(f"must be ≥ {minimum}, got {value}", path, node, key, where)
    return float(value)


def _int(value: Any, path, node, key, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _err(f"expected a positive whole number, got {value!r}", path, node, key, where)
    return value


_BARE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def find_rubric(name: str, search_paths: Sequence[Path], relative_to: str | None = None) -> Path:
    """Resolve a rubric name or path to a file.

    ``relative_to`` is set when resolving another rubric's ``extends`` entry. Rubrics may come from
    someone else, so such an entry is either a bare rubric name (looked up in the search paths) or a
    path inside the extending rubric's own folder: absolute paths and ``..`` are refused.
    """
    candidates = []
    p = Path(name)
    if relative_to:
        if p.is_absolute() or ".." in p.parts or "\\" in name:
            raise RubricError(f"extends entry {name!r} points outside the rubric's folder",
                              path=relative_to, field="extends",
                              hint="extend a rubric by name and put its folder on QA_RUBRIC_PATH")
        candidates.append(Path(relative_to).parent / p)
    else:
        candidates.append(p)
    for c in candidates:
        if c.is_file():
            return c
        for suffix in RUBRIC_SUFFIXES:
            if not c.suffix and c.with_suffix(suffix).is_file():
                return c.with_suffix(suffix)
    if _BARE_NAME.fullmatch(name):
        for d in search_paths:
            for suffix in RUBRIC_SUFFIXES:
                f = Path(d) / f"{name}{suffix}"
                if f.is_file():
                    return f
    known = sorted({f.stem for d in search_paths if Path(d).is_dir() for f in Path(d).iterdir()
                    if f.suffix in RUBRIC_SUFFIXES})
    raise RubricError(f"rubric {name!r} not found", hint=(did_you_mean(name, known) or "")
                      + (f" known rubrics: {', '.join(known)}" if known else ""))


def known_rubrics(search_paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """``(name, path)`` of every rubric file in the search paths; an earlier path shadows a later one."""
    found: dict[str, Path] = {}
    for d in search_paths:
        d = Path(d)
        if not d.is_dir():
            continue
        for f in sorted(d.iterdir()):
            if f.suffix in RUBRIC_SUFFIXES and f.is_file():
                found.setdefault(f.stem, f)
    return sorted(found.items())


def read_rubric_file(path: Path) -> LineDict:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"cannot read rubric: {exc.strerror}", path=str(path)) from None
    if len(raw) > 8 * 1024 * 1024:
        raise RubricError("rubric file is over 8 MB", path=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RubricError(f"rubric is not UTF-8 (byte {exc.start})", path=str(path)) from None
    data = load_yaml(text, str(path))
    if not isinstance(data, dict):
        raise RubricError("a rubric must be a YAML mapping with id, version and rules", path=str(path), line=1)
    return data


def load_rubric(name_or_path: str | os.PathLike, *, checkers: Mapping[str, type],
                search_paths: Sequence[Path]) -> Rubric:
    """Load, resolve and validate a rubric by name (``zh-customer-service``) or file path.

    ``checkers`` (name → class, e.g. ``registry.checkers``) validate each rule's checker and its
    options; ``search_paths`` (``registry.rubric_search_paths()``) resolve names and ``extends``.
    """
    path = find_rubric(os.fspath(name_or_path), search_paths)
    return _load(path, search_paths, checkers, chain=())


def _load(path: Path, search_paths, checkers, chain: tuple[str, ...]) -> Rubric:
    spath = str(path)
    real = str(path.resolve())
    if real in chain:
        raise RubricError("extends forms a cycle: " + " → ".join(Path(c).name for c in [*chain, real]),
                          path=spath, field="extends")
    data = read_rubric_file(path)
    return _from_data(data, spath, search_paths, checkers, (*chain, real))


def rubric_from_text(text: str, path: str = "<inline>", *, checkers: Mapping[str, type],
                     search_paths: Sequence[Path] = ()) -> Rubric:
    """Load a rubric from YAML text (tests, notebooks, the pytest plugin); ``path`` names it in errors."""
    data = load_yaml(text, path)
    if not isinstance(data, dict):
        raise RubricError("a rubric must be a YAML mapping with id, version and rules", path=path, line=1)
    return _from_data(data, path, search_paths, checkers, ())


def _from_data(data: dict, spath: str, search_paths, checkers, chain: tuple[str, ...]) -> Rubric:
    _check_keys(data, TOP_KEYS, spath, "")
    for req in ("id", "version"):
        if req not in data:
            raise RubricError(f"missing required key {req!r}", path=spath, line=1, field=req)
    extends = _str_list(data.get("extends", []), spath, data, "extends", "extends") if "extends" in data else ()
    parents = []
    for name in extends:
        try:
            parent_path = find_rubric(name, search_paths, relative_to=spath)
        except RubricError as exc:
            raise RubricError(f"extends: {exc.message}", path=spath, line=line_of(data, "extends"),
                              field="extends", hint=exc.hint) from None
        parents.append(_load(parent_path, search_paths, checkers, chain))
    return build_rubric(data, spath, parents, checkers=checkers)


def build_rubric(data: dict, spath: str | None, parents: list[Rubric] = (), *,
                 checkers: Mapping[str, type]) -> Rubric:
    """Validate a parsed rubric mapping and merge it over its parents."""
    rid = data["id"]
    if not isinstance(rid, str) or not rid:
        raise _err("id must be a non-empty string", spath, data, "id", "id")
    version = str(data["version"])
    language = data.get("language", parents[0].language if parents else "zh")
    if not isinstance(language, str):
        raise _err("language must be a string such as 'zh' or 'en'", spath, data, "language", "language")

    scoring = Scoring(**(parents[-1].scoring.__dict__ if parents else {}))
    if "scoring" in data:
        sc = _mapping(data["scoring"], spath, "scoring", data, "scoring")
        _check_keys(sc, SCORING_KEYS, spath, "scoring")
        if "base" in sc:
            scoring.base = _number(sc["base"], spath, sc, "base", "scoring.base", minimum=1)
        if "pass_mark" in sc:
            scoring.pass_mark = _number(sc["pass_mark"], spath, sc, "pass_mark", "scoring.pass_mark")
        if "fatal" in sc:
            if sc["fatal"] not in FATAL_POLICIES:
                raise _err(f"fatal must be one of {list(FATAL_POLICIES)}", spath, sc, "fatal", "scoring.fatal",
                           did_you_mean(str(sc["fatal"]), FATAL_POLICIES))
            scoring.fatal = sc["fatal"]
    if scoring.pass_mark > scoring.base:
        raise _err(f"pass_mark {scoring.pass_mark} is above base {scoring.base}", spath, data, "scoring", "scoring")

    sections: dict[str, Section] = {}
    for parent in parents:
        sections.update({s.id: s for s in parent.sections})
    if "sections" in data:
        secs = data["sections"]
        if not isinstance(secs, list):
            raise _err("sections must be a list of {id, title, weight}", spath, data, "sections", "sections")
        for i, s in enumerate(secs):
            where = f"sections[{i}]"
            _mapping(s, spath, where, secs, i)
            _check_keys(s, SECTION_KEYS, spath, where)
            if "id" not in s:
                raise _err("section needs an id", spath, s, None, where)
            sections[str(s["id"])] = Section(str(s["id"]), str(s.get("title", s["id"])),
                                             _number(s.get("weight", 1), spath, s, "weight", f"{where}.weight"))

    inherited: Table = {}
    for parent in parents:
        inherited.update(parent.lexicons)
    lexicons = read_lexicons(data["lexicons"], spath, inherited) if "lexicons" in data else inherited

    rules: dict[str, Rule] = {}
    for parent in parents:
        for r in parent.rules:
            if any(lexicons.get(n) is not parent.lexicons.get(n) for n in r.lexicons):
                r = _rebuild(r, checkers, sections, lexicons)  # a lexicon it uses was redefined here
            rules[r.id] = r
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise _err("rules must be a list", spath, data, "rules", "rules")
    own_ids: dict[str, int | None] = {}
    for i, node in enumerate(raw_rules):
        rule = build_rule(node, i, spath, checkers, sections, raw_rules, lexicons)
        if rule.id in own_ids:
            raise _err(f"duplicate rule id {rule.id!r}", spath, node, "id", f"rules[{i}].id",
                       f"first defined at line {own_ids[rule.id]}")
        own_ids[rule.id] = rule.line
        rules[rule.id] = rule
    for rule_id in _str_list(data.get("disable", []), spath, data, "disable", "disable"):
        if rule_id not in rules:
            raise _err(f"disable names unknown rule {rule_id!r}", spath, data, "disable", "disable",
                       did_you_mean(rule_id, rules))
        old = rules[rule_id]
        rules[rule_id] = Rule(**{**old.__dict__, "enabled": False})
    for r in rules.values():
        if r.section is not None and r.section not in sections:
            raise RubricError(f"rule {r.id!r} names unknown section {r.section!r}",
                              path=r.origin.rsplit(":", 1)[0] if r.origin else spath, line=r.line_of("section"),
                              field=r.key_path("section"), hint=did_you_mean(r.section, sections)
                              or f"sections: {', '.join(sections) or '(none defined)'}")

    normalize = {}
    for parent in parents:
        normalize.update(parent.normalize)
    if "normalize" in data:
        normalize.update(_plain(_mapping(data["normalize"], spath, "normalize", data, "normalize")))
    scorecard = {}
    for parent in parents:
        scorecard.update(parent.scorecard)
    if "scorecard" in data:
        scorecard.update(_plain(_mapping(data["scorecard"], spath, "scorecard", data, "scorecard")))

    rubric = Rubric(
        id=rid, version=version, title=str(data.get("title", rid)), language=language, scoring=scoring,
        sections=list(sections.values()), rules=list(rules.values()), path=spath,
        extends=tuple(p.id for p in parents), normalize=normalize, scorecard=scorecard,
        description=str(data.get("description", "")), raw=_plain(data), lexicons=lexicons,
    )
    rubric.hash = rubric_hash(rubric, parents)
    check_dependencies(rubric, checkers)
    return rubric


def rubric_hash(rubric: Rubric, parents) -> str:
    payload = {"self": rubric.raw, "parents": [p.hash for p in parents]}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()[:16]


EXAMPLE_KEYS = ("text", "turns", "role", "evidence")
CONVERSATION_EXAMPLE_KEYS = ("id", "channel", "language", "agent_id", "team", "started_at", "metadata")


def _example(kind: str, item: Any, spath, line, where: str) -> Example:
    """A string (one turn), ``{text, role?, evidence?}``, or a conversation ``{turns, evidence?, …}``."""
    if isinstance(item, str):
        return Example(kind, text=item, line=line)
    if not isinstance(item, dict) or ("text" in item) == ("turns" in item):
        raise RubricError("an example is a string (one turn), {text: …} or a conversation with turns",
                          path=spath, line=line, field=where)
    _check_keys(item, EXAMPLE_KEYS, spath, where, extra_allowed=CONVERSATION_EXAMPLE_KEYS if "turns" in item else ())
    evidence = None
    if "evidence" in item:
        if kind != "fail":
            raise _err("evidence belongs to fail examples (what the finding must quote)", spath, item, "evidence",
                       f"{where}.evidence")
        evidence = _str_list(item["evidence"], spath, item, "evidence", f"{where}.evidence")
    role = item.get("role")
    if role is not None and role not in ROLES:
        raise _err(f"unknown role {role!r}; expected one of {list(ROLES)}", spath, item, "role", f"{where}.role",
                   did_you_mean(str(role), ROLES))
    if "turns" in item:
        if role is not None:
            raise _err("role is for one-turn examples; a conversation gives each turn's role", spath, item, "role",
                       f"{where}.role")
        conv = {k: v for k, v in _plain(item).items() if k != "evidence"}
        return Example(kind, conversation=conv, line=line, evidence=evidence)
    if not isinstance(item["text"], str):
        raise _err("text must be a string", spath, item, "text", f"{where}.text")
    return Example(kind, text=item["text"], line=line, role=role, evidence=evidence)


def _key_lines(node: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in node:
        ln = line_of(node, key)
        if ln is not None:
            out[str(key)] = ln
        value = node[key]
        if isinstance(value, LineList):
            for j, item_line in enumerate(value.item_lines):
                out[f"{key}[{j}]"] = item_line
    return out


def _rebuild(rule: Rule, checkers: dict, sections: dict, lexicons: Table) -> Rule:
    """An inherited rule built again from its YAML with the extending rubric's lexicons."""
    path = rule.origin.rsplit(":", 1)[0] if rule.origin else None
    new = build_rule(rule.node, rule.index, path, checkers, sections, None, lexicons)
    new.enabled = rule.enabled
    return new


def _phrase_option(value: Any, spec, table: Table, spath, line, where: str, used: set[str]) -> Any:
    """An option value with lexicon references expanded where its ``Option`` declares phrase lists or patterns."""
    if spec.patterns and isinstance(value, list):
        return [expand_pattern(p, table, spath, _item_line(value, j, line), f"{where}[{j}]", used)
                if isinstance(p, str) else p for j, p in enumerate(value)]
    if spec.phrases is True and isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return [expand(v, table, spath, _item_line(value, j, line), f"{where}[{j}]", used)
                    for j, v in enumerate(value)]
        return expand(value, table, spath, line, where, used)
    if isinstance(spec.phrases, tuple) and isinstance(value, dict):
        out = dict(value)
        for key in spec.phrases:
            if isinstance(value.get(key), list):
                out[key] = expand(value[key], table, spath, line_of(value, key), f"{where}.{key}", used)
        return out
    return value


def _phrases(node: Any, key: str, field: str, spath, lexicons: Table, used: set[str]) -> tuple[str, ...]:
    """A phrase list under ``node[key]`` (a string or a list), lexicon references expanded."""
    items = _str_list(node[key], spath, node, key, field)
    written = node[key] if isinstance(node[key], list) else list(items)
    return tuple(str(x) for x in expand(written, lexicons, spath, line_of(node, key), field, used))


def _unless_flag(un: dict, flag: str, subkeys: tuple[str, ...], field: str, spath, lexicons: Table,
                 used: set[str]) -> dict[str, Any]:
    """An ``unless`` flag written as true/false or as a mapping of phrase lists (``{about: [...], unless: [...]}``)."""
    value = un[flag]
    if isinstance(value, bool):
        return {flag: value}
    if not isinstance(value, dict):
        shape = ", ".join(f"{k}: [phrases]" for k in subkeys)
        raise _err(f"{flag} must be true, false or {{{shape}}}", spath, un, flag, field)
    _check_keys(value, subkeys, spath, field)
    out: dict[str, Any] = {flag: True}
    for sub in subkeys:
        if sub in value:
            out[f"{flag}_{sub}"] = _phrases(value, sub, f"{field}.{sub}", spath, lexicons, used)
    return out


def _item_line(items: Any, j: int, default: int | None) -> int | None:
    if isinstance(items, LineList) and j < len(items.item_lines):
        return items.item_lines[j]
    return default


def build_rule(node: Any, i: int, spath, checkers: dict, sections: dict, parent_list,
               lexicons: Table | None = None) -> Rule:
    lexicons = lexicons or {}
    used: set[str] = set()
    where = f"rules[{i}]"
    _mapping(node, spath, where, parent_list, i)
    if "id" not in node:
        raise _err("rule needs an id", spath, node, None, where)
    rid = node["id"]
    if not isinstance(rid, str) or not rid:
        raise _err("rule id must be a non-empty string", spath, node, "id", f"{where}.id")
    where = f"rules[{i}] ({rid})"
    if "checker" not in node:
        raise _err("rule needs a checker", spath, node, None, f"{where}.checker",
                   f"registered checkers: {', '.join(sorted(checkers))}")
    cname = node["checker"]
    if not isinstance(cname, str):
        raise _err(f"checker must be a checker name, got {cname!r}", spath, node, "checker", f"{where}.checker",
                   f"registered checkers: {', '.join(sorted(checkers))}")
    if cname not in checkers:
        raise _err(f"unknown checker {cname!r}", spath, node, "checker", f"{where}.checker",
                   did_you_mean(str(cname), checkers) or f"registered checkers: {', '.join(sorted(checkers))}")
    checker_cls = checkers[cname]
    options_spec = getattr(checker_cls, "options", {}) or {}
    for key in node:
        if key in RULE_KEYS or key in options_spec or did_you_mean(str(key), [*RULE_KEYS, *options_spec]):
            continue
        owners = sorted(n for n, c in checkers.items() if key in (getattr(c, "options", None) or {}))
        if owners:
            raise _err(f"unknown key {key!r} for checker {cname!r}", spath, node, key, f"{where}.{key}",
                       f"{key!r} is an option of checker {', '.join(owners)}; {cname!r} takes: "
                       + (", ".join(options_spec) or "no options"))
    _check_keys(node, RULE_KEYS, spath, where, extra_allowed=options_spec)

    severity = node.get("severity", "minor")
    if severity not in SEVERITIES:
        raise _err(f"unknown severity {severity!r}; expected one of {list(SEVERITIES)}", spath, node, "severity",
                   f"{where}.severity", did_you_mean(str(severity), SEVERITIES))
    points = _number(node.get("points", 1), spath, node, "points", f"{where}.points")
    max_points = (_number(node["max_points"], spath, node, "max_points", f"{where}.max_points")
                  if node.get("max_points") is not None else None)
    if max_points is not None and max_points < points:
        raise _err(f"max_points {max_points} is below points {points}", spath, node, "max_points",
                   f"{where}.max_points")
    section = node.get("section")
    if section is not None:
        section = str(section)

    scope = Scope()
    if "scope" in node:
        sc = _mapping(node["scope"], spath, f"{where}.scope", node, "scope")
        _check_keys(sc, SCOPE_KEYS, spath, f"{where}.scope")
        if "role" in sc:
            roles = _str_list(sc["role"], spath, sc, "role", f"{where}.scope.role")
            for r in roles:
                if r not in ROLES:
                    raise _err(f"unknown role {r!r}; expected one of {list(ROLES)}", spath, sc, "role",
                               f"{where}.scope.role", did_you_mean(r, ROLES))
            scope.role = roles
        if "channel" in sc:
            chans = _str_list(sc["channel"], spath, sc, "channel", f"{where}.scope.channel")
            for c in chans:
                if c not in CHANNELS:
                    raise _err(f"unknown channel {c!r}; expected one of {list(CHANNELS)}", spath, sc, "channel",
                               f"{where}.scope.channel")
            scope.channel = chans
        if "first" in sc:
            scope.first = _int(sc["first"], spath, sc, "first", f"{where}.scope.first")
        if "last" in sc:
            scope.last = _int(sc["last"], spath, sc, "last", f"{where}.scope.last")
        if "within_s" in sc:
            scope.within_s = _number(sc["within_s"], spath, sc, "within_s", f"{where}.scope.within_s")
        if scope.first and scope.last:
            raise _err("scope may give first or last, not both", spath, sc, "last", f"{where}.scope")

    unless = Unless()
    if "unless" in node:
        un = _mapping(node["unless"], spath, f"{where}.unless", node, "unless")
        _check_keys(un, UNLESS_KEYS, spath, f"{where}.unless")
        kw = {}
        for k in UNLESS_KEYS - _UNLESS_FLAGS:
            if k == "regex" and k in un:
                items = _str_list(un[k], spath, un, k, f"{where}.unless.{k}")
                written = un[k] if isinstance(un[k], list) else list(items)
                kw[k] = tuple(expand_pattern(p, lexicons, spath, _item_line(written, j, line_of(un, k)),
                                             f"{where}.unless.{k}[{j}]", used) for j, p in enumerate(items))
            elif k in un:
                kw[k] = _phrases(un, k, f"{where}.unless.{k}", spath, lexicons, used)
        if "window" in un:
            kw["window"] = _int(un["window"], spath, un, "window", f"{where}.unless.window")
        if "question" in un:
            if not isinstance(un["question"], bool):
                raise _err("question must be true or false", spath, un, "question", f"{where}.unless.question")
            kw["question"] = un["question"]
        for flag, subkeys in (("answers_question", ("about", "unless")), ("follows_statement", ("skip",))):
            if flag in un:
                kw.update(_unless_flag(un, flag, subkeys, f"{where}.unless.{flag}", spath, lexicons, used))
        unless = Unless(**kw)
        for pattern in unless.regex:
            compile_regex(pattern, path=spath, line=line_of(un, "regex"), field=f"{where}.unless.regex")

    examples: list[Example] = []
    if "examples" in node:
        ex = _mapping(node["examples"], spath, f"{where}.examples", node, "examples")
        _check_keys(ex, ("fail", "pass"), spath, f"{where}.examples")
        for kind in ("fail", "pass"):
            items = ex.get(kind, [])
            if not isinstance(items, list):
                raise _err(f"examples.{kind} must be a list", spath, ex, kind, f"{where}.examples.{kind}")
            for j, item in enumerate(items):
                line = line_of(items, j)
                examples.append(_example(kind, item, spath, line, f"{where}.examples.{kind}[{j}]"))

    options: dict[str, Any] = {}
    for key, spec in options_spec.items():
        if key in node:
            value = _phrase_option(node[key], spec, lexicons, spath, line_of(node, key), f"{where}.{key}", used)
            options[key] = spec.validate(_plain(value), path=spath, line=line_of(node, key),
                                         field=f"{where}.{key}")
        elif spec.required:
            raise _err(f"checker {cname!r} needs {key!r} ({spec.doc})", spath, node, None, f"{where}.{key}")
        else:
            options[key] = spec.default

    tags = _str_list(node.get("tags", []), spath, node, "tags", f"{where}.tags") if "tags" in node else ()
    enabled = node.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _err("enabled must be true or false", spath, node, "enabled", f"{where}.enabled")
    report = node.get("report", True)
    if not isinstance(report, bool):
        raise _err("report must be true or false", spath, node, "report", f"{where}.report")
    in_reply_to = InReplyTo()
    if "in_reply_to" in node:
        ir = _mapping(node["in_reply_to"], spath, f"{where}.in_reply_to", node, "in_reply_to")
        _check_keys(ir, ("findings", "phrases"), spath, f"{where}.in_reply_to")
        kw = {}
        if "findings" in ir:
            kw["findings"] = _str_list(ir["findings"], spath, ir, "findings", f"{where}.in_reply_to.findings")
        if "phrases" in ir:
            kw["phrases"] = _phrases(ir, "phrases", f"{where}.in_reply_to.phrases", spath, lexicons, used)
        in_reply_to = InReplyTo(**kw)
        if not in_reply_to:
            raise _err("in_reply_to needs findings, phrases or both", spath, node, "in_reply_to",
                       f"{where}.in_reply_to")
    rule = Rule(
        id=rid, checker=cname, title=str(node.get("title", rid)), severity=severity, points=points,
        max_points=max_points, section=section, why=str(node.get("why", "")).strip(),
        source=str(node["source"]) if node.get("source") is not None else None, tags=tags,
        message=str(node["message"]) if node.get("message") is not None else None, scope=scope,
        unless=unless, examples=examples, options=options, enabled=enabled, report=report, in_reply_to=in_reply_to,
        origin=f"{spath}:{line_of(node)}", line=line_of(node), key_lines=_key_lines(node), where=where,
        lexicons=tuple(sorted(used)), node=node, index=i,
    )
    validate = getattr(checker_cls, "validate_rule", None)
    if validate is not None:
        validate(rule, spath)
    return rule

"""Render a loaded rubric for people: a summary dict (``qa rubric show --format json``) and Markdown
documentation (``qa rubric show --format markdown``) that a QA lead can publish for agents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from qa.rules.rubric.lexicons import has_references
from qa.rules.rubric.model import Rubric, Rule
from qa.rules.rubric.yamlsafe import plain


def written(rule: Rule, key: str, value: Any) -> Any:
    """An option or ``unless`` value as the rubric wrote it when it names lexicons ($apology), else ``value``."""
    node = rule.node
    if node is None:
        return value
    if key.startswith("unless."):
        node, key = node.get("unless") or {}, key.split(".", 1)[1]
    raw = node.get(key) if isinstance(node, dict) else None
    return plain(raw) if raw is not None and has_references(raw) else value


def lexicon_users(rubric: Rubric) -> dict[str, list[str]]:
    """Lexicon name → ids of the rules that use it (directly or through another lexicon)."""
    out: dict[str, list[str]] = {name: [] for name in rubric.lexicons}
    for rule in rubric.rules:
        todo = list(rule.lexicons)
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or name not in rubric.lexicons:
                continue
            seen.add(name)
            out[name].append(rule.id)
            todo.extend(rubric.lexicons[name].refs)
    return out


def lexicon_summary(rubric: Rubric) -> list[dict[str, Any]]:
    users = lexicon_users(rubric)
    return [{"name": lex.name, "about": lex.about, "source": lex.source, "origin": lex.origin,
             "written": list(lex.written), "phrases": list(lex.phrases), "used_by": users[lex.name]}
            for lex in rubric.lexicons.values()]


def rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "title": rule.title, "checker": rule.checker, "severity": rule.severity,
        "points": rule.points, "max_points": rule.max_points, "section": rule.section, "tags": list(rule.tags),
        "enabled": rule.enabled, "why": rule.why, "source": rule.source, "origin": rule.origin,
        "scope": {k: v for k, v in asdict(rule.scope).items() if v is not None},
        "unless": {k: v for k, v in asdict(rule.unless).items() if v and k != "window"}
        | ({"window": rule.unless.window} if rule.unless else {}),
        "options": {k: v for k, v in rule.options.items() if v is not None},
        "lexicons": list(rule.lexicons),
        "written": {k: written(rule, k, None) for k in [*rule.options, *(f"unless.{u}" for u in asdict(rule.unless))]
                    if written(rule, k, None) is not None},
        "examples": {"pass": sum(e.kind == "pass" for e in rule.examples),
                     "fail": sum(e.kind == "fail" for e in rule.examples)},
    }


def rubric_summary(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.id, "version": rubric.version, "hash": rubric.hash, "title": rubric.title,
        "language": rubric.language, "path": rubric.path, "extends": list(rubric.extends),
        "scoring": asdict(rubric.scoring), "sections": [asdict(s) for s in rubric.sections],
        "lexicons": lexicon_summary(rubric),
        "rules": [rule_summary(r) for r in rubric.rules],
    }


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def rubric_markdown(rubric: Rubric) -> str:
    """The rubric as a Markdown page: scoring, sections, then one entry per enabled rule."""
    s = rubric.scoring
    out = [f"# {rubric.title}", "", f"Rubric `{rubric.id}` version {rubric.version} (`{rubric.hash}`), "
           f"language {rubric.language}." + (f" Extends: {', '.join(rubric.extends)}." if rubric.extends else ""),
           "", f"Score out of {s.base:g}; pass mark {s.pass_mark:g}; a critical finding "
           + {"zero": "sets the score to 0", "fail": "fails the conversation", "ignore": "counts like any other"}[
               s.fatal] + ".", ""]
    if rubric.description:
        out += [rubric.description, ""]
    if rubric.sections:
        out += ["| section | weight |", "|---|---|"]
        out += [f"| {_md(sec.title)} (`{sec.id}`) | {sec.weight:g} |" for sec in rubric.sections]
        out.append("")
    if rubric.lexicons:
        out += ["## Word lists", "", "| list | phrases |", "|---|---|"]
        out += [f"| `${lex.name}`" + (f" — {_md(lex.about)}" if lex.about else "") + " | "
                + "、".join(_md(p) for p in lex.phrases) + " |" for lex in rubric.lexicons.values()]
        out.append("")
    for rule in rubric.active_rules:
        cap = f", at most {rule.cap:g}" if rule.max_points is not None else ""
        out += [f"## {_md(rule.title)}", "", f"`{rule.id}` · {rule.severity} · {rule.points:g} point(s) per "
                f"finding{cap}" + (f" · section `{rule.section}`" if rule.section else "")
                + (f" · tags: {', '.join(rule.tags)}" if rule.tags else ""), ""]
        if rule.why:
            out += [rule.why, ""]
        phrases = rule.options.get("phrases")
        if phrases:
            out += ["Phrases: " + "、".join(f"“{p}”" for p in phrases), ""]
        fails = [e.text for e in rule.examples if e.kind == "fail" and e.text]
        passes = [e.text for e in rule.examples if e.kind == "pass" and e.text]
        if fails:
            out += ["Not like this: " + " / ".join(f"“{t}”" for t in fails), ""]
        if passes:
            out += ["Fine: " + " / ".join(f"“{t}”" for t in passes), ""]
        if rule.source:
            out += [f"Source: {rule.source}", ""]
    return "\n".join(out).rstrip() + "\n"

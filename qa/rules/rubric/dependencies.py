"""Rules that read other rules' findings: which rules a rule depends on, and an order that runs each rule after
the rules it reads.

A checker declares what it reads through ``Checker.dependencies(rule)`` (the ``required`` checker: a trigger's
``findings``), as rule selectors: a rule id or ``tag:NAME`` (every rule carrying the tag). A selector that names no
rule is an error with a did-you-mean hint; rules that read each other in a cycle are an error naming the cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from qa.errors import RubricError, did_you_mean
from qa.rules.rubric.model import Rubric, Rule


def select_rules(selector: str, rules: Iterable[Rule]) -> list[str]:
    """Ids of the rules a selector names: ``tag:NAME`` (rules with that tag) or a rule id."""
    if selector.startswith("tag:"):
        tag = selector[4:]
        return [r.id for r in rules if tag in r.tags]
    return [r.id for r in rules if r.id == selector]


def _path(rule: Rule, rubric: Rubric) -> str | None:
    return rule.origin.rsplit(":", 1)[0] if rule.origin else rubric.path


def rule_dependencies(rubric: Rubric, checkers: dict) -> dict[str, tuple[str, ...]]:
    """Rule id → ids of the rules whose findings it reads (every rule of the rubric, enabled or not)."""
    out: dict[str, tuple[str, ...]] = {}
    for rule in rubric.rules:
        cls = checkers.get(rule.checker)
        selectors = cls.dependencies(rule) if cls is not None and hasattr(cls, "dependencies") else ()
        selectors = (*selectors, *rule.in_reply_to.findings)
        ids: list[str] = []
        for sel in selectors:
            found = select_rules(sel, rubric.rules)
            if sel.startswith("tag:"):  # a rule carrying the tag it reads does not read itself
                found = [x for x in found if x != rule.id]
            if not found:
                names = [r.id for r in rubric.rules] + sorted({f"tag:{t}" for r in rubric.rules for t in r.tags})
                key = ("in_reply_to" if sel in rule.in_reply_to.findings else
                       "pending_findings" if sel in (rule.options.get("pending_findings") or ()) else "trigger")
                raise RubricError(f"rule {rule.id!r} reads the findings of {sel!r}, which names no rule",
                                  path=_path(rule, rubric), line=rule.line_of(key),
                                  field=rule.key_path(key if key == "pending_findings" else f"{key}.findings"),
                                  hint=did_you_mean(sel, names) or "name a rule id or tag:NAME")
            ids.extend(found)
        if ids:
            out[rule.id] = tuple(dict.fromkeys(ids))
    return out


def dependency_order(rules: list[Rule], deps: dict[str, tuple[str, ...]], rubric: Rubric) -> list[Rule]:
    """``rules`` reordered so each comes after the rules it reads (file order otherwise); a cycle is an error."""
    by_id = {r.id: r for r in rules}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    out: list[Rule] = []

    def visit(rid: str, chain: tuple[str, ...]) -> None:
        if state.get(rid) == 2:
            return
        if state.get(rid) == 1:
            cycle = (*chain[chain.index(rid):], rid)
            first = by_id[cycle[0]]
            key = "trigger" if "trigger" in first.options or not first.in_reply_to else "in_reply_to"
            raise RubricError("rules read each other's findings in a cycle: " + " → ".join(cycle),
                              path=_path(first, rubric), line=first.line_of(key),
                              field=first.key_path(f"{key}.findings"),
                              hint="a rule can only be triggered by rules that do not depend on it")
        state[rid] = 1
        for dep in deps.get(rid, ()):
            if dep in by_id:
                visit(dep, (*chain, rid))
        state[rid] = 2
        out.append(by_id[rid])

    for r in rules:
        visit(r.id, ())
    return out


def check_dependencies(rubric: Rubric, checkers: dict) -> None:
    """Load-time validation: every selector names a rule, and the enabled rules have no cycle."""
    deps = rule_dependencies(rubric, checkers)
    if deps:
        dependency_order(rubric.active_rules, deps, rubric)


def closure(wanted: Iterable[str], deps: dict[str, tuple[str, ...]]) -> set[str]:
    """The rules ``wanted`` and every rule they read, directly or not."""
    out: set[str] = set()
    todo = list(wanted)
    while todo:
        rid = todo.pop()
        if rid not in out:
            out.add(rid)
            todo.extend(deps.get(rid, ()))
    return out

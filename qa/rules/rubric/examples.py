"""Run a rubric's own examples: every ``fail`` example must produce a finding of its rule, every
``pass`` example must produce none (and the rule must be applicable to it).

This is the library behind ``qa rubric test`` and the pytest collector for rubric authors. A text
example becomes a one-turn conversation spoken by the rule's first scope role (``agent`` when the
rule has no role), in the rubric's language and, if the rule is limited to channels, the first one.
A conversation example is read like a canonical input record (``turns`` with ``role``/``text`` and
optional times), so timing and triggered rules can be tested too. A fail example may name the
``evidence`` its findings must quote (``{text: 这个我办不了, evidence: 办不了}``), and a one-turn
example its speaker (``{text: 我要投诉, role: customer}``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qa.engine import compile_rubric, score_conversation
from qa.engine.compile import CompiledRubric
from qa.errors import InputError, RubricError, did_you_mean
from qa.ingest.canonical import conversation_from_dict
from qa.model import Conversation, Turn
from qa.rules.rubric.model import Example, Rubric, Rule


@dataclass
class ExampleResult:
    rule: str
    kind: str            # "pass" | "fail"
    index: int           # position among the rule's examples of that kind (0-based)
    ok: bool
    message: str         # why it failed, or "ok"
    label: str           # the example as shown to a person (the text, or "conversation of N turns")
    path: str | None = None
    line: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    not_applicable: str | None = None

    @property
    def location(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or "<rubric>"

    def describe(self) -> str:
        """One line a rubric author can act on."""
        status = "ok" if self.ok else "FAILED"
        return f"{self.location}: {self.rule} {self.kind} example {self.index + 1} {self.label}: {status}" + (
            "" if self.ok else f" — {self.message}")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "index": self.index, "ok": self.ok, "message": self.message,
                "example": self.label, "path": self.path, "line": self.line, "findings": self.findings,
                "not_applicable": self.not_applicable}


def example_conversation(rubric: Rubric, rule: Rule, example: Example) -> Conversation:
    """The conversation an example stands for."""
    channel = rule.scope.channel[0] if rule.scope.channel else "chat"
    if example.conversation is not None:
        data = {"id": f"{rule.id}:{example.kind}", "language": rubric.language, "channel": channel,
                **example.conversation}
        try:
            return conversation_from_dict(data)
        except InputError as exc:
            raise RubricError(f"example conversation is invalid: {exc.message}", path=rubric.path, line=example.line,
                              field=f"{rule.key_path('examples')}.{example.kind}" + (f".{exc.field}" if exc.field
                                                                                     else "")) from None
    role = example.role or (rule.scope.role[0] if rule.scope.role else "agent")
    return Conversation(f"{rule.id}:{example.kind}", [Turn(role, example.text or "")], channel=channel,
                        language=rubric.language)


def _label(example: Example) -> str:
    if example.text is not None:
        text = example.text if len(example.text) <= 40 else example.text[:39] + "…"
        return f"“{text}”"
    return f"(conversation of {len(example.conversation.get('turns') or [])} turns)"


def _found(findings: list[dict]) -> str:
    parts = []
    for f in findings[:3]:
        where = f"turn {f['turn'] + 1}" if f.get("turn") is not None else "the conversation"
        parts.append(f"“{f['evidence']}” in {where}" if f.get("evidence") else f"{f['message']} ({where})")
    more = f" and {len(findings) - 3} more" if len(findings) > 3 else ""
    return "; ".join(parts) + more


def run_examples(rubric: Rubric, checkers: Mapping[str, type], rules: Iterable[str] | None = None, *,
                 embedders: Mapping[str, Any] | None = None) -> list[ExampleResult]:
    """Run the examples of ``rules`` (ids; default: every enabled rule) and return one result per example.

    An unknown rule id raises RubricError with a did-you-mean hint.
    """

    known = {r.id: r for r in rubric.rules}
    if rules is not None:
        wanted = list(rules)
        for rid in wanted:
            if rid not in known:
                raise RubricError(f"rubric {rubric.id!r} has no rule {rid!r}", path=rubric.path, field="--rule",
                                  hint=did_you_mean(rid, known))
        selected = [known[r] for r in wanted]
    else:
        selected = rubric.active_rules
    compiled = compile_rubric(rubric, checkers, embedders=embedders, report_all=True)  # helper rules (report: false) have examples too
    results: list[ExampleResult] = []
    for rule in selected:
        for index, ex in iter_examples(rule):
            results.append(run_example(rubric, compiled, rule, ex, index))
    return results


def iter_examples(rule: Rule):
    """``(index among examples of its kind, example)`` for each of a rule's examples, in file order."""
    counters = {"pass": 0, "fail": 0}
    for ex in rule.examples:
        yield counters[ex.kind], ex
        counters[ex.kind] += 1


def _switched_on(rubric: Rubric, rule: Rule, compiled: CompiledRubric) -> CompiledRubric:
    """The rubric with ``rule`` switched on, compiled as ``compiled`` was (same checkers and embedders)."""
    on = dataclasses.replace(rule, enabled=True)
    return compile_rubric(dataclasses.replace(rubric, rules=[on if r.id == rule.id else r for r in rubric.rules]),
                          compiled.checkers, embedders=compiled.embedders, select=[rule.id], report_all=True)


def run_example(rubric: Rubric, compiled, rule: Rule, ex: Example, index: int = 0) -> ExampleResult:
    """Run one example against a compiled rubric (one pytest item per example uses this)."""

    res = ExampleResult(rule.id, ex.kind, index, True, "ok", _label(ex), rubric.path, ex.line)
    if not any(cr.rule.id == rule.id for cr in compiled.rules):
        if rule.enabled:
            res.ok, res.message = False, "the rule is not in the compiled rubric, so its examples cannot run"
            return res
        compiled = _switched_on(rubric, rule, compiled)  # a rule that is off keeps its examples true for whoever turns it on
    result = score_conversation(example_conversation(rubric, rule, ex), compiled)
    res.findings = [f for f in result["findings"] if f["rule"] == rule.id]
    res.not_applicable = result["not_applicable_reasons"].get(rule.id)
    err = next((e for e in result.get("errors", []) if e["rule"] == rule.id), None)
    if err is not None:
        res.ok, res.message = False, f"the checker crashed: {err['error']}"
    elif ex.kind == "fail" and not res.findings:
        res.ok = False
        res.message = ("expected a finding, but the rule was not applicable: " + res.not_applicable
                       if res.not_applicable else "expected a finding, found none")
    elif ex.kind == "fail" and ex.evidence and (missing := [e for e in ex.evidence
                                                             if e not in {f.get("evidence") for f in res.findings}]):
        res.ok = False
        res.message = (f"expected evidence {', '.join(repr(m) for m in missing)}, found "
                       + ", ".join(repr(f.get("evidence")) for f in res.findings))
    elif ex.kind == "pass" and res.findings:
        res.ok = False
        res.message = f"expected no finding, found {len(res.findings)}: {_found(res.findings)}"
    elif ex.kind == "pass" and res.not_applicable:
        res.ok = False
        res.message = (f"expected the rule to apply and pass, but it was not applicable: {res.not_applicable}"
                       " (give a whole conversation that triggers it)")
    return res

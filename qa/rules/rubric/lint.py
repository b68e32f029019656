"""``qa rubric lint``: mistakes a rubric can make that loading alone does not catch.

Checks (each issue has a stable code):

- ``no-examples`` — an enabled rule without pass/fail examples (``qa rubric test`` cannot guard it).
- ``no-why`` — an enabled rule without ``why`` (agents are shown it next to every finding).
- ``duplicate-phrase`` — the same phrase twice in one rule (after normalisation: 這個 and 这个 are one).
- ``redundant-phrase`` — a phrase containing another phrase of the same rule: every text that matches
  the longer one already matches the shorter, so the longer adds nothing but a longer span (not
  for ``whole_turn`` rules, where 嗯嗯 as a whole turn is not 嗯).
- ``phrase-in-two-rules`` — the same phrase in two phrase rules: one utterance is penalised twice.
- ``unreachable-phrase`` — every match of the phrase is cancelled by the rule's own ``unless``
  (``same_sentence``/``same_turn`` names a phrase that is inside it).
- ``unless-without-effect`` — ``unless`` on a rule whose checker reports no text spans (e.g. a
  missing greeting), where exceptions cannot apply.
- ``phrase-in-pass-example`` — a pass example of a phrase rule contains one of its phrases: a
  warning when the rule has no ``unless`` (the example will fail), else ``info`` (the example shows
  an exception at work).
- ``pass-example-flagged`` — a pass example of any rule is flagged on its text by another rule of the
  rubric (good language that the rubric would still penalise). Missing-phrase findings (a one-turn
  example has no closing) and ``info`` findings (labels such as complaint types) are not counted.
- ``unpinned-exception`` — dropping one exception entry (an ``unless`` item or flag, a trigger's ``unless``
  item) changes none of the rule's examples, so no example shows why it is there (qa.rules.rubric.pinning).
- ``dependency-disabled`` — a rule reads the findings of a rule that is switched off, so that part of its
  trigger never fires.
- ``similar-unless-overlap``, ``similar-rules-overlap`` — similarity rules whose examples sit too close to
  their own near misses or to another similarity rule (:mod:`qa.rules.rubric.lint_similar`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qa.engine import compile_rubric, score_conversation
from qa.rules.rubric.dependencies import rule_dependencies
from qa.rules.rubric.examples import _label, example_conversation
from qa.rules.rubric.issues import LintIssue, path_of
from qa.rules.rubric.lint_similar import lint_similar
from qa.rules.rubric.model import Rubric
from qa.rules.rubric.pinning import unpinned_exceptions
from qa.rules.text.normalize import NormalizeOptions, normalize_phrase

PHRASE_CHECKERS = ("phrase",)


def lint_rubric(rubric: Rubric, checkers: Mapping[str, type], *, embedders: Mapping[str, Any] | None = None,
                run_examples: bool = True) -> list[LintIssue]:
    """All lint issues of a loaded rubric, in rule order (``checkers``: name → class, to compile it)."""
    norm = NormalizeOptions.for_language(rubric.language, rubric.normalize)
    issues: list[LintIssue] = []
    owners: dict[str, list[str]] = {}
    for rule in rubric.active_rules:
        path = path_of(rule, rubric)
        if not rule.examples:
            issues.append(LintIssue("no-examples", rule.id, "rule has no examples; add examples: {fail: [...], "
                                    "pass: [...]} so `qa rubric test` guards it", path, rule.line))
        if not rule.why.strip():
            issues.append(LintIssue("no-why", rule.id, "rule has no `why`; agents see it next to each finding",
                                    path, rule.line))
        cls = checkers.get(rule.checker)
        if rule.unless and cls is not None and not getattr(cls, "span_findings", False):
            issues.append(LintIssue("unless-without-effect", rule.id, f"`unless` has no effect: checker "
                                    f"{rule.checker!r} reports findings without a text span",
                                    path, rule.line_of("unless")))
        if rule.checker not in PHRASE_CHECKERS:
            continue
        seen: dict[str, int] = {}
        phrases = rule.options.get("phrases") or []
        for j, raw in enumerate(phrases):
            p = normalize_phrase(raw, norm)
            line = rule.line_of(f"phrases[{j}]")
            if p in seen:
                issues.append(LintIssue("duplicate-phrase", rule.id, f"phrase {raw!r} is listed twice "
                                        f"(also item {seen[p]})", path, line))
                continue
            seen[p] = j
        uniq = list(seen)
        for p in uniq:
            # with whole_turn the phrase must be the whole turn, so 嗯嗯 is not covered by 嗯
            shorter = None if rule.options.get("whole_turn") else next((q for q in uniq if q != p and q in p), None)
            if shorter is not None:
                issues.append(LintIssue("redundant-phrase", rule.id, f"phrase {phrases[seen[p]]!r} contains "
                                        f"{phrases[seen[shorter]]!r} of the same rule, so it adds nothing",
                                        path, rule.line_of(f"phrases[{seen[p]}]")))
            u = rule.unless
            for key in ("same_sentence", "same_turn"):
                for q in getattr(u, key):
                    if normalize_phrase(q, norm) in p:
                        issues.append(LintIssue("unreachable-phrase", rule.id, f"phrase {phrases[seen[p]]!r} can "
                                                f"never be reported: unless.{key} {q!r} is inside it", path,
                                                rule.line_of(f"phrases[{seen[p]}]")))
            owners.setdefault(p, []).append(rule.id)
        for k, ex in enumerate(e for e in rule.examples if e.kind == "pass"):
            if ex.text is None or rule.options.get("whole_turn"):
                continue
            text = normalize_phrase(ex.text, norm)
            hit = next((p for p in uniq if p in text), None)
            if hit is None:
                continue
            if rule.unless:
                issues.append(LintIssue("phrase-in-pass-example", rule.id, f"pass example {k + 1} “{ex.text}” "
                                        f"contains phrase {phrases[seen[hit]]!r}; it passes only through `unless`",
                                        path, ex.line, level="info"))
            else:
                issues.append(LintIssue("phrase-in-pass-example", rule.id, f"pass example {k + 1} “{ex.text}” "
                                        f"contains phrase {phrases[seen[hit]]!r} and the rule has no `unless`, "
                                        "so it will be flagged", path, ex.line))
    for p, rules in owners.items():
        if len(rules) > 1:
            second = rubric.rule(rules[1])
            issues.append(LintIssue("phrase-in-two-rules", rules[1], f"phrase {p!r} is also in rule {rules[0]!r}: "
                                    "one utterance would be penalised twice", path_of(second, rubric), second.line))
    issues.extend(_disabled_dependencies(rubric, checkers))
    issues.extend(lint_similar(rubric, checkers, embedders))
    if run_examples:
        issues.extend(_flagged_pass_examples(rubric, checkers, embedders))
        issues.extend(_unpinned(rubric, checkers, embedders))
    return issues


def _unpinned(rubric: Rubric, checkers: Mapping[str, type], embedders) -> list[LintIssue]:
    return [LintIssue("unpinned-exception", rule.id, f"{entry.label()} changes none of the rule's examples: add an "
                      "example that needs it, or drop it", path_of(rule, rubric), entry.line or rule.line)
            for rule, entry in unpinned_exceptions(rubric, checkers, embedders=embedders)]


def _disabled_dependencies(rubric: Rubric, checkers: Mapping[str, type]) -> list[LintIssue]:
    enabled = {r.id for r in rubric.active_rules}
    out = []
    for rid, deps in rule_dependencies(rubric, checkers).items():
        if rid not in enabled:
            continue
        rule = rubric.rule(rid)
        for dep in deps:
            if dep not in enabled:
                out.append(LintIssue("dependency-disabled", rid, f"reads the findings of {dep!r}, which is switched "
                                     "off: that part of its trigger never fires", path_of(rule, rubric), rule.line))
    return out


def _flagged_pass_examples(rubric: Rubric, checkers: Mapping[str, type], embedders) -> list[LintIssue]:
    compiled = compile_rubric(rubric, checkers, embedders=embedders)
    out = []
    for rule in rubric.active_rules:
        for k, ex in enumerate(e for e in rule.examples if e.kind == "pass"):
            result = score_conversation(example_conversation(rubric, rule, ex), compiled)
            # only findings on text: a one-turn example naturally lacks, say, a closing
            others = sorted({f["rule"] for f in result["findings"]
                             if f["rule"] != rule.id and f["span"] and f["severity"] != "info"})
            for other in others:
                ev = next(f["evidence"] for f in result["findings"] if f["rule"] == other)
                out.append(LintIssue("pass-example-flagged", rule.id, f"pass example {k + 1} {_label(ex)} is flagged "
                                     f"by rule {other!r}" + (f" (“{ev}”)" if ev else ""), path_of(rule, rubric),
                                     ex.line))
    return out

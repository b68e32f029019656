from pathlib import Path

import pytest

from qa import Registry, load_rubric, rubric_from_text
from qa.errors import RubricError
from qa.rules.rubric.examples import run_examples

MINI = Path(__file__).resolve().parents[2] / "data" / "engine" / "mini.yaml"


def test_all_examples_of_the_mini_rubric_pass():
    results = run_examples(load_rubric(MINI), Registry.build().checkers)
    assert [(r.rule, r.kind, r.index, r.ok) for r in results] == [
        ("ban.refusal", "fail", 0, True), ("ban.refusal", "fail", 1, True), ("ban.refusal", "pass", 0, True),
        ("ban.refusal", "pass", 1, True), ("ban.refusal", "pass", 2, True), ("ban.abuse", "fail", 0, True),
        ("ban.abuse", "pass", 0, True),
        ("courtesy.greeting", "fail", 0, True), ("courtesy.greeting", "pass", 0, True),
        ("courtesy.apology", "fail", 0, True), ("courtesy.apology", "pass", 0, True)]


def test_a_broken_example_says_which_example_and_what_was_found(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace("pass: [这个我不能直接改，建议您在App里修改", "pass: [这个我不能直接改")
    bad = tmp_path / "mini.yaml"
    bad.write_text(text, encoding="utf-8")
    [res] = [r for r in run_examples(load_rubric(bad), Registry.build().checkers, ["ban.refusal"]) if not r.ok]
    assert res.describe() == (f"{bad}:26: ban.refusal pass example 1 “这个我不能直接改”: FAILED — "
                              "expected no finding, found 1: “我不能” in turn 1")


def test_a_fail_example_that_does_not_fire():
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: r\n    checker: phrase\n    phrases: [不行]\n"
                              "    examples:\n      fail: [可以的]\n", "t.yaml")
    [res] = run_examples(rubric, Registry.build().checkers)
    assert not res.ok and res.line == 8 and res.message == "expected a finding, found none"


def test_pass_example_that_never_triggers_the_rule_is_reported():
    rubric = rubric_from_text("""id: t
version: 1
rules:
  - id: apology
    checker: required
    trigger: {phrases: [投诉], role: customer}
    phrases: [抱歉]
    examples:
      pass: [抱歉]
""", "t.yaml")
    [res] = run_examples(rubric, Registry.build().checkers)
    assert not res.ok
    assert res.message.startswith("expected the rule to apply and pass, but it was not applicable: the trigger "
                                  "never occurred")


def test_unknown_rule_id():
    with pytest.raises(RubricError, match=r"has no rule 'ban.refusl' — did you mean 'ban.refusal'\?"):
        run_examples(load_rubric(MINI), Registry.build().checkers, ["ban.refusl"])


def test_invalid_example_conversation_names_the_line():
    with pytest.raises(RubricError) as e:
        run_examples(rubric_from_text("""id: t
version: 1
rules:
  - id: r
    checker: phrase
    phrases: [x]
    examples:
      fail:
        - turns: [{role: agnet, text: x}]
""", "t.yaml"), Registry.build().checkers)
    assert str(e.value).startswith("t.yaml:9 [rules[0] (r).examples.fail")


def test_examples_of_a_disabled_rule_run_when_asked_for():
    """A rule that is switched off keeps its examples true for whoever switches it on."""
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: r\n    checker: phrase\n    enabled: false\n"
                              "    phrases: [不行]\n    examples: {fail: [不行], pass: [可以]}\n", "t.yaml")
    checkers = Registry.build().checkers
    assert run_examples(rubric, checkers) == []
    fail, ok = run_examples(rubric, checkers, ["r"])
    assert fail.ok and [f["evidence"] for f in fail.findings] == ["不行"] and ok.ok
    broken = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: r\n    checker: phrase\n    enabled: false\n"
                              "    phrases: [不行]\n    examples: {fail: [可以]}\n", "t.yaml")
    [res] = run_examples(broken, checkers, ["r"])
    assert not res.ok and res.message == "expected a finding, found none"


def test_fail_example_with_expected_evidence_and_role():
    rubric = rubric_from_text("""id: t
version: 1
rules:
  - id: r
    checker: phrase
    phrases: [不能, 我不能]
    examples:
      fail:
        - {text: 这个我不能办, evidence: 我不能}
        - {text: 这个我不能办, evidence: [不能]}
        - {text: 不能, role: customer}
  - id: c
    checker: phrase
    scope: {role: customer}
    phrases: [投诉]
    examples:
      pass:
        - {text: 我要投诉, role: agent}
""", "t.yaml")
    results = run_examples(rubric, Registry.build().checkers)
    assert [(r.rule, r.index, r.ok) for r in results] == [("r", 0, True), ("r", 1, False), ("r", 2, True),
                                                           ("c", 0, True)]
    assert results[1].message == "expected evidence '不能', found '我不能'"


@pytest.mark.parametrize("item, expected", [
    ("{text: a, evidence: a, extra: 1}", "t.yaml:7 [rules[0] (r).examples.fail[0].extra]: unknown key 'extra'"),
    ("{text: a, role: agnet}", "t.yaml:7 [rules[0] (r).examples.fail[0].role]: unknown role 'agnet'"),
    ("{text: a, turns: []}", "t.yaml:7 [rules[0] (r).examples.fail[0]]: an example is a string"),
])
def test_example_item_errors(item, expected):
    with pytest.raises(RubricError) as e:
        rubric_from_text(f"id: t\nversion: 1\nrules:\n  - id: r\n    checker: phrase\n    phrases: [a]\n"
                         f"    examples: {{fail: [{item}]}}\n", "t.yaml")
    assert str(e.value).startswith(expected)


def test_evidence_on_a_pass_example_is_an_error():
    with pytest.raises(RubricError, match=r"evidence belongs to fail examples"):
        rubric_from_text("id: t\nversion: 1\nrules:\n  - id: r\n    checker: phrase\n    phrases: [a]\n"
                         "    examples:\n      pass:\n        - {text: b, evidence: a}\n", "t.yaml")

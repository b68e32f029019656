"""``qa rubric lint``'s unpinned-exception: every exception entry must change one of its rule's examples."""

from pathlib import Path

from qa import Registry, load_rubric, rubric_from_text
from qa.rules.rubric.lint import lint_rubric
from qa.rules.rubric.pinning import exception_entries, without

RUBRIC = """id: t
version: 1
language: zh
lexicons:
  apology: [抱歉, 对不起]
rules:
  - id: ban.refusal
    checker: phrase
    why: w
    scope: {role: agent}
    phrases: [不行]
    unless:
      same_turn: [$apology, 因为]
      question: true
    examples:
      fail: [不行哦]
      pass: [不行，抱歉, 不行吗？]
  - id: courtesy.apology
    checker: required
    why: w
    scope: {role: agent}
    trigger: {role: customer, phrases: [太慢], unless: [不是太慢, 太慢了吗]}
    window: 1
    phrases: [$apology]
    examples:
      fail: [{turns: [{role: customer, text: 太慢了}, {role: agent, text: 好的}]}]
      pass:
        - {turns: [{role: customer, text: 太慢了}, {role: agent, text: 抱歉}, {role: customer, text: 不是太慢},
                   {role: agent, text: 好的}]}
"""


def unpinned(text):
    issues = lint_rubric(rubric_from_text(text, "t.yaml"), Registry.build().checkers)
    return [(i.rule, i.message.split(" changes")[0], i.line) for i in issues if i.code == "unpinned-exception"]


def test_each_entry_is_dropped_in_turn():
    # $apology is pinned by 不行，抱歉; 因为 by nothing; question by 不行吗？; the trigger's 不是太慢 by the pass
    # example (without it, the second complaint is owed an apology nobody gave), 太慢了吗 by nothing
    assert unpinned(RUBRIC) == [
        ("ban.refusal", "unless.same_turn entry '因为'", 13),
        ("courtesy.apology", "trigger.unless entry '太慢了吗'", 22),
    ]


def test_an_example_that_needs_the_entry_pins_it():
    text = RUBRIC.replace("pass: [不行，抱歉, 不行吗？]", "pass: [不行，抱歉, 不行吗？, 因为下雨不行]")
    assert [u[1] for u in unpinned(text)] == ["trigger.unless entry '太慢了吗'"]


def test_entries_and_how_one_is_dropped():
    rule = rubric_from_text(RUBRIC, "t.yaml").rule("ban.refusal")
    entries = list(exception_entries(rule))
    assert [(e.key, e.item) for e in entries] == [("unless.same_turn", "$apology"), ("unless.same_turn", "因为"),
                                                  ("unless.question", True)]
    assert without(rule.node, entries[1])["unless"] == {"same_turn": ["$apology"], "question": True}
    dropped = without(without(rule.node, entries[2]), entries[0])
    assert dropped["unless"] == {"same_turn": ["因为"]}
    assert "unless" not in without({"unless": {"question": True}}, entries[2])


def test_the_shipped_rubrics_pin_every_exception():
    shipped = sorted((Path(__file__).resolve().parents[3] / "rubrics").glob("*.yaml"))
    assert len(shipped) >= 8
    for path in shipped:
        reg = Registry.build()
        issues = lint_rubric(load_rubric(path), reg.checkers, embedders=reg.embedders)
        assert [str(i) for i in issues if i.code == "unpinned-exception"] == [], path.name


def test_dependency_disabled():
    text = RUBRIC + "  - id: signal.chase\n    checker: phrase\n    why: w\n    enabled: false\n    phrases: [在吗]\n"
    text = text.replace("trigger: {role: customer, phrases: [太慢]", "trigger: {role: customer, findings: [signal.chase], "
                        "phrases: [太慢]")
    issues = [i for i in lint_rubric(rubric_from_text(text, "t.yaml"), Registry.build().checkers) if i.code == "dependency-disabled"]
    assert [(i.rule, i.message) for i in issues] == [
        ("courtesy.apology", "reads the findings of 'signal.chase', which is switched off: that part of its trigger "
                             "never fires")]

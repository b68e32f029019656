from pathlib import Path

from qa import Registry, load_rubric, rubric_from_text
from qa.rules.rubric.diff import diff_rubrics
from qa.rules.rubric.lint import lint_rubric

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"

LINTY = """id: t
version: 1
language: zh
rules:
  - id: ban.a
    checker: phrase
    why: x
    phrases:
      - 不能
      - 我不能
      - 不能
      - 無法
    unless: {same_sentence: [无法]}
    examples: {fail: [不能], pass: [好的，没问题, 我不能。无法]}
  - id: ban.b
    checker: phrase
    why: y
    phrases: [无法, 问题]
  - id: courtesy.x
    checker: required
    phrases: [您好]
"""


def test_lint_finds_each_kind_of_issue():
    issues = lint_rubric(rubric_from_text(LINTY, "t.yaml"), Registry.build().checkers)
    got = [(i.code, i.rule, i.line) for i in issues]
    assert got == [
        ("duplicate-phrase", "ban.a", 11),
        ("redundant-phrase", "ban.a", 10),
        ("unreachable-phrase", "ban.a", 12),
        ("phrase-in-pass-example", "ban.a", 14),
        ("no-examples", "ban.b", 15),
        ("no-examples", "courtesy.x", 19),
        ("no-why", "courtesy.x", 19),
        ("phrase-in-two-rules", "ban.b", 15),
        ("pass-example-flagged", "ban.a", 14),
        ("pass-example-flagged", "ban.a", 14),
    ]
    msgs = {i.code: i.message for i in issues}
    assert msgs["redundant-phrase"] == "phrase '我不能' contains '不能' of the same rule, so it adds nothing"
    assert msgs["unreachable-phrase"] == "phrase '無法' can never be reported: unless.same_sentence '无法' is inside it"
    assert msgs["phrase-in-two-rules"].startswith("phrase '无法' is also in rule 'ban.a'")
    flagged = [i.message for i in issues if i.code == "pass-example-flagged"]
    assert flagged == ["pass example 1 “好的，没问题” is flagged by rule 'ban.b' (“问题”)",
                       "pass example 2 “我不能。无法” is flagged by rule 'ban.b' (“无法”)"]
    assert msgs["phrase-in-pass-example"] == ("pass example 2 “我不能。无法” contains phrase '不能'; it passes only "
                                              "through `unless`")
    assert [i.level for i in issues if i.code == "phrase-in-pass-example"] == ["info"]
    assert str(issues[0]) == "t.yaml:11: warning duplicate-phrase [ban.a]: phrase '不能' is listed twice (also item 0)"


def test_phrase_in_pass_example_without_unless_is_a_warning():
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: a\n    checker: phrase\n    why: w\n"
                              "    phrases: [不行]\n    examples: {fail: [不行], pass: [这样不行吗]}\n", "t.yaml")
    [issue] = lint_rubric(rubric, Registry.build().checkers, run_examples=False)
    assert (issue.code, issue.level, issue.line) == ("phrase-in-pass-example", "warning", 8)


def test_unless_on_a_checker_without_spans():
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: g\n    checker: required\n    why: w\n"
                              "    phrases: [您好]\n    unless: {same_turn: [x]}\n"
                              "    examples: {fail: [在], pass: [您好]}\n", "t.yaml")
    [issue] = lint_rubric(rubric, Registry.build().checkers)
    assert (issue.code, issue.line) == ("unless-without-effect", 8)
    assert issue.message == "`unless` has no effect: checker 'required' reports findings without a text span"


def test_whole_turn_phrases_are_not_redundant():
    rubric = rubric_from_text("id: t\nversion: 1\nrules:\n  - id: f\n    checker: phrase\n    why: w\n"
                              "    whole_turn: true\n    phrases: [嗯, 嗯嗯]\n    examples: {fail: [嗯嗯], pass: [嗯，好的]}\n",
                              "t.yaml")
    assert lint_rubric(rubric, Registry.build().checkers) == []


def test_clean_rubric_has_only_info():
    issues = lint_rubric(load_rubric(DATA / "mini.yaml"), Registry.build().checkers)
    assert [(i.code, i.level, i.line) for i in issues] == [("phrase-in-pass-example", "info", 26)] * 2


def test_diff_lists_added_removed_and_changed_keys():
    d = diff_rubrics(load_rubric(DATA / "mini.yaml"), load_rubric(DATA / "mini-v2.yaml"))
    assert d.added == ["ban.slang"] and d.removed == ["courtesy.apology"]
    assert d.changed == {"ban.refusal": {"max_points": {"from": 20.0, "to": 30.0},
                                         "phrases": {"added": ["没辙"], "removed": ["没办法"]}}}
    assert d.rubric == {"version": {"from": "1.0.0", "to": "1.1.0"}}
    assert d.lines()[:4] == ["mini 1.0.0 → mini 1.1.0", "  rubric version: '1.0.0' → '1.1.0'", "+ ban.slang",
                             "- courtesy.apology"]


def test_diff_of_identical_rubrics_is_empty():
    r = load_rubric(DATA / "mini.yaml")
    assert diff_rubrics(r, load_rubric(DATA / "mini.yaml")).empty


def test_diff_names_the_nested_key_and_only_the_changed_list_items():
    base = ("id: t\nversion: {v}\nrules:\n  - id: apology\n    checker: required\n    why: w\n"
            "    phrases: [抱歉]\n    trigger: {{role: customer, phrases: [投诉, {extra}], unless: [不是投诉]}}\n"
            "    examples:\n      fail: ['{fail}']\n")
    old = rubric_from_text(base.format(v=1, extra="太慢", fail="好的"), "old.yaml")
    new = rubric_from_text(base.format(v=2, extra="差评", fail="知道了"), "new.yaml")
    d = diff_rubrics(old, new)
    keys = d.changed["apology"]
    assert set(keys) == {"trigger.phrases", "examples"}
    assert keys["trigger.phrases"] == {"added": ["差评"], "removed": ["太慢"]}
    lines = "\n".join(d.lines())
    assert "trigger.phrases: +'差评' -'太慢'" in lines
    assert "unless" not in lines
    assert len(keys["examples"]["added"]) == 1 and len(keys["examples"]["removed"]) == 1

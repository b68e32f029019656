"""qa's pytest plugin, run the way an author runs it: rule examples, case files, fixtures, failures."""

import pytest

pytest_plugins = ["pytester"]

RUBRIC = """\
id: demo
version: "1"
language: zh
rules:
  - id: ban.refusal
    checker: phrase
    phrases: [我不能, 办不了]
    severity: major
    points: 5
    scope: {role: agent}
    examples:
      fail:
        - 这个我不能处理
      pass:
        - 我来帮您处理
        - 这个我办不了
"""

CASES = """\
rubric: demo.yaml
examples: true
cases:
  - name: refusal found with its span
    turns:
      - {role: customer, text: 能退吗}
      - {role: agent, text: 抱歉我不能退}
    expect:
      - {rule: ban.refusal, turn: 1, span: [2, 5], evidence: 我不能}
    score: 95
  - name: expects the wrong span
    text: 我办不了
    expect:
      - {rule: ban.refusal, span: [0, 2]}
  - name: customer words are not the agent's
    turns:
      - {role: customer, text: 我不能等了}
    only: true
    score: 100
"""


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", demo=RUBRIC)
    pytester.makefile(".qa.yaml", cases=CASES)
    return pytester


def test_case_file_and_examples_become_items_with_useful_failures(project):
    res = project.runpytest("-p", "no:cacheprovider", "-rf")
    res.assert_outcomes(passed=4, failed=2)
    out = res.stdout.str()
    # The failing rule example: where it is, which rule, what was found.
    assert ("demo.yaml:16: rubric demo 1, rule ban.refusal (phrase), pass example 1: expected no finding, found 1: "
            "“办不了” in turn 1\n  conversation:\n    [0] agent: 这个我办不了\n  findings of ban.refusal: \n"
            "    - ban.refusal (major) at turn 0 span [3, 6] “办不了”: ") in out
    # The failing case: the expectation that failed, the finding actually produced, the conversation.
    assert ("cases.qa.yaml:11: case 'expects the wrong span' (rubric demo 1)\n"
            "  ✗ expected finding not produced: {'rule': 'ban.refusal', 'span': [0, 2]}\n"
            "  ✗ unexpected finding: ban.refusal (major) at turn 0 span [1, 4] “办不了”: ") in out
    failed = sorted(line.split(" - ")[0] for line in out.splitlines() if line.startswith("FAILED"))
    assert failed == ["FAILED cases.qa.yaml::demo/ban.refusal/pass-1", "FAILED cases.qa.yaml::expects the wrong span"]


def test_malformed_case_file_is_a_collection_error_with_line(pytester):
    pytester.makefile(".yaml", demo=RUBRIC)
    pytester.makefile(".qa.yaml", bad="rubric: demo.yaml\ncases:\n  - text: 我不能\n    expct: []\n")
    res = pytester.runpytest("-p", "no:cacheprovider")
    assert "bad.qa.yaml:4: cases[0]: unknown key 'expct'; allowed: ['absent', " in res.stdout.str()
    assert res.ret == pytest.ExitCode.INTERRUPTED


def test_unknown_rubric_in_case_file_names_the_file(pytester):
    pytester.makefile(".qa.yaml", bad="rubric: no-such-rubric\ncases: []\n")
    res = pytester.runpytest("-p", "no:cacheprovider")
    assert "bad.qa.yaml: rubric 'no-such-rubric' not found" in res.stdout.str()


def test_rubric_example_tests_helper_and_fixtures(pytester):
    pytester.makefile(".yaml", demo=RUBRIC.replace("        - 这个我办不了\n", ""))
    pytester.makepyfile(test_demo="""
        from qa.testing import rubric_example_tests

        test_examples = rubric_example_tests("demo.yaml", "missing-*.yaml", "broken.yaml")

        def test_score_text(qa_score):
            r = qa_score("demo.yaml", "这个我不能处理")
            assert [f["evidence"] for f in r["findings"]] == ["我不能"]

        def test_inline_rubric_and_turn_pairs(qa_rubric, qa_score):
            rubric = qa_rubric({"id": "x", "version": "1", "rules": [
                {"id": "r", "checker": "phrase", "phrases": ["再见"], "scope": {"role": "customer"}}]})
            r = qa_score(rubric, [("agent", "再见"), ("customer", "再见")])
            assert [(f["rule"], f["turn"]) for f in r["findings"]] == [("r", 1)]
    """)
    pytester.makefile(".yaml", broken="id: broken\nversion: 1\nrules:\n  - {id: a, checker: phrse}\n")
    res = pytester.runpytest("-p", "no:cacheprovider", "-v")
    res.assert_outcomes(passed=4, failed=1)
    out = res.stdout.str()
    assert "test_demo.py::test_examples[demo/ban.refusal/fail-0] PASSED" in out
    assert "test_demo.py::test_examples[broken/load] FAILED" in out
    assert "rubric failed to load: broken.yaml:4 [rules[0] (a).checker]: unknown checker 'phrse'" in out


def test_qa_rubrics_ini_option_runs_every_example_with_the_project_tests(pytester):
    (pytester.path / "rubrics").mkdir()
    (pytester.path / "rubrics" / "demo.yaml").write_text(RUBRIC, encoding="utf-8")
    (pytester.path / "rubrics" / "broken.yaml").write_text("id: broken\nversion: 1\nrules: 3\n", encoding="utf-8")
    pytester.makeini("[pytest]\ntestpaths = tests\nqa_rubrics = rubrics/*.yaml\n")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    res = pytester.runpytest("-p", "no:cacheprovider", "-v")
    res.assert_outcomes(passed=3, failed=2)
    out = res.stdout.str()
    assert "rubrics/demo.yaml::demo/ban.refusal/pass-1 FAILED" in out
    assert "rubrics/broken.yaml::load FAILED" in out
    assert "rubric failed to load: " in out and "rules must be a list" in out
    res = pytester.runpytest("-p", "no:cacheprovider", "-k", "fail-0")
    res.assert_outcomes(passed=1, deselected=4)
    res = pytester.runpytest("-p", "no:cacheprovider", "tests/test_a.py")  # a file named: only that file
    res.assert_outcomes(passed=1)

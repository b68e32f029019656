import pytest

from qa import rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn

RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: privacy.phone
    checker: regex
    scope: {role: agent}
    patterns:
      - '1[3-9]\\d{9}'
      - '身份证号?[是为:]?\\d{17}[\\dx]'
"""


def test_matches_on_normalised_text_and_reports_input_spans():
    rubric = rubric_from_text(RUBRIC, "t.yaml")
    conv = Conversation("c", [Turn("customer", "13800138000"),
                              Turn("agent", "您的号码是１３８００１３８０００，身份证号是11010519491231002X")])
    r = score_conversation(conv, rubric)
    got = [(f["turn"], f["span"], f["evidence"]) for f in r["findings"]]
    assert got == [(1, [5, 16], "１３８００１３８０００"), (1, [17, 40], "身份证号是11010519491231002X")]


def _load(patterns: str):
    return rubric_from_text(f"id: t\nversion: 1\nrules:\n  - id: r\n    checker: regex\n    patterns:\n{patterns}",
                            "x.yaml")


def test_backreferences_are_refused_with_the_line_of_the_pattern():
    with pytest.raises(RubricError) as e:
        _load("      - 'ok'\n      - '(a)\\1'\n")
    msg = str(e.value)
    assert msg.startswith("x.yaml:8 [rules[0] (r).patterns[1]]: invalid regex") and "RE2 syntax" in msg


def test_a_pattern_matching_the_empty_string_is_refused():
    with pytest.raises(RubricError) as e:
        _load("      - 'a*'\n")
    assert str(e.value).startswith("x.yaml:7 [rules[0] (r).patterns[0]]: pattern 'a*' matches the empty string")


def test_catastrophic_pattern_runs_in_linear_time():
    # (a+)+$ backtracks exponentially in Python's re; RE2 answers at once
    rubric = _load("      - '(a+)+$'\n")
    r = score_conversation(Conversation("c", [Turn("agent", "a" * 5000 + "!")]), rubric)
    assert r["findings"] == []

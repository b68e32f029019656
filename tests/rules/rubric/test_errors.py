"""Every rubric mistake names file, line and key, with a hint where one helps."""

import pytest

from qa import Registry, rubric_from_text
from qa.errors import RubricError
from qa.rules.rubric import loader

HEAD = "id: t\nversion: 1\n"
RULE = "rules:\n  - id: a\n    checker: phrase\n"

CASES = [
    (RULE + "    phrase: [x]\n",
     "r.yaml:6 [rules[0] (a).phrase]: unknown key 'phrase' — did you mean 'phrases'?"),
    ("rule: []\n", "r.yaml:3 [rule]: unknown key 'rule' — did you mean 'rules'?"),
    ("rules:\n  - id: a\n    checker: phrases\n    phrases: [x]\n",
     "r.yaml:5 [rules[0] (a).checker]: unknown checker 'phrases' — did you mean 'phrase'?"),
    (RULE + "    severity: majr\n    phrases: [x]\n",
     "r.yaml:6 [rules[0] (a).severity]: unknown severity 'majr'; expected one of ['info', 'minor', 'major', "
     "'critical'] — did you mean 'major'?"),
    (RULE + "    scope: {roles: agent}\n    phrases: [x]\n",
     "r.yaml:6 [rules[0] (a).scope.roles]: unknown key 'roles' — did you mean 'role'?"),
    (RULE + "    scope: {role: agnet}\n    phrases: [x]\n",
     "r.yaml:6 [rules[0] (a).scope.role]: unknown role 'agnet'; expected one of ['agent', 'customer', 'system', "
     "'bot'] — did you mean 'agent'?"),
    (RULE + "    phrases: [x]\n  - id: a\n    checker: phrase\n    phrases: [y]\n",
     "r.yaml:7 [rules[1].id]: duplicate rule id 'a' — first defined at line 4"),
    ("sections: [{id: etiquette, weight: 50}]\n" + RULE + "    section: etiquete\n    phrases: [x]\n",
     "r.yaml:7 [rules[0] (a).section]: rule 'a' names unknown section 'etiquete' — did you mean 'etiquette'?"),
    (RULE + "    phrases: [x]\n    unless: {followed: [y]}\n",
     "r.yaml:7 [rules[0] (a).unless.followed]: unknown key 'followed' — did you mean 'followed_by'?"),
    (RULE + "    phrases: [x]\n    unless: {regex: ['(?<=a)b']}\n",
     "r.yaml:7 [rules[0] (a).unless.regex]: invalid regex '(?<=a)b'"),
    (RULE + "   phrases: [x]\n", "r.yaml:6: YAML syntax error"),
    (RULE + "    points: five\n    phrases: [x]\n", "r.yaml:6 [rules[0] (a).points]: expected a number, got 'five'"),
    (RULE + "    phrases: [x]\n    examples: {fial: [x]}\n",
     "r.yaml:7 [rules[0] (a).examples.fial]: unknown key 'fial' — did you mean 'fail'?"),
    (RULE + "    phrases: [x]\n    whole_turn: yes please\n",
     "r.yaml:7 [rules[0] (a).whole_turn]: expected true/false, got 'yes please'"),
    (RULE + "    points: 5\n    max_points: 2\n    phrases: [x]\n",
     "r.yaml:7 [rules[0] (a).max_points]: max_points 2.0 is below points 5.0"),
    ("scoring: {base: 10, pass_mark: 80}\n", "r.yaml:3 [scoring]: pass_mark 80.0 is above base 10.0"),
    ("scoring: {fatal: zer}\n",
     "r.yaml:3 [scoring.fatal]: fatal must be one of ['zero', 'fail', 'ignore'] — did you mean 'zero'?"),
    ("id: u\n", "r.yaml:3 [id]: duplicate key 'id'"),
    ("rules:\n  - id: a\n    checker: regex\n    phrases: [x]\n",
     "r.yaml:6 [rules[0] (a).phrases]: unknown key 'phrases' for checker 'regex' — 'phrases' is an option of "
     "checker chase, phrase, required; 'regex' takes: patterns, max_per_turn"),
    (RULE + "    checker_: x\n", "r.yaml:6 [rules[0] (a).checker_]: unknown key 'checker_' — did you mean 'checker'?"),
    ("rules:\n  - id: a\n    checker: [phrase]\n", "r.yaml:5 [rules[0] (a).checker]: checker must be a checker name"),
    ("disable: [ban.x]\n", "r.yaml:3 [disable]: disable names unknown rule 'ban.x'"),
]


@pytest.mark.parametrize("body, expected", CASES, ids=[c[1].split(": ", 1)[1][:40] for c in CASES])
def test_error_message(body, expected):
    with pytest.raises(RubricError) as e:
        rubric_from_text(HEAD + body, "r.yaml")
    assert str(e.value).startswith(expected)
    assert e.value.exit_code == 2


def test_python_tags_are_refused():
    with pytest.raises(RubricError, match=r"r.yaml:1: unsupported YAML tag.*no !! tags"):
        rubric_from_text("id: !!python/object/apply:os.system [ls]\nversion: 1\n", "r.yaml")


def test_missing_version():
    with pytest.raises(RubricError, match=r"^r.yaml:1 \[version\]: missing required key 'version'"):
        rubric_from_text("id: t\nrules: []\n", "r.yaml")


def test_unknown_rubric_name_suggests_a_known_one(tmp_path):
    (tmp_path / "zh-customer-service.yaml").write_text(HEAD, encoding="utf-8")
    with pytest.raises(RubricError) as e:
        loader.load_rubric("zh-customer-servce", checkers=Registry.build().checkers, search_paths=[tmp_path])
    assert str(e.value) == ("rubric 'zh-customer-servce' not found — did you mean 'zh-customer-service'? "
                            "known rubrics: zh-customer-service")

import pytest

from qa import Registry, load_rubric, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn
from qa.rules.rubric import loader

BASE = """id: base
version: 1.0.0
language: zh
scoring: {base: 100, pass_mark: 90, fatal: fail}
sections: [{id: etiquette, title: 礼仪, weight: 40}]
rules:
  - id: ban.refusal
    checker: phrase
    section: etiquette
    points: 5
    phrases: [我不能]
  - id: ban.rude
    checker: phrase
    section: etiquette
    phrases: [你懂不懂]
  - id: ban.slang
    checker: phrase
    phrases: [亲]
"""

CHILD = """id: child
version: 2.0.0
extends: [base]
scoring: {pass_mark: 70}
disable: [ban.slang]
rules:
  - id: ban.refusal
    checker: phrase
    section: etiquette
    points: 10
    phrases: [我不能, 办不了]
  - id: ban.rude
    checker: phrase
    enabled: false
    phrases: [你懂不懂]
  - id: ban.new
    checker: phrase
    phrases: [随便]
"""


@pytest.fixture
def rubrics(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "child.yaml").write_text(CHILD, encoding="utf-8")
    return tmp_path


def test_child_overrides_by_id_and_disables(rubrics):
    child = load_rubric(rubrics / "child.yaml")
    assert [(r.id, r.enabled) for r in child.rules] == [
        ("ban.refusal", True), ("ban.rude", False), ("ban.slang", False), ("ban.new", True)]
    assert child.rule("ban.refusal").points == 10 and child.rule("ban.refusal").origin.endswith("child.yaml:7")
    assert child.scoring.pass_mark == 70 and child.scoring.fatal == "fail"  # merged key by key
    assert [s.id for s in child.sections] == ["etiquette"] and child.extends == ("base",)
    r = score_conversation(Conversation("c", [Turn("agent", "亲，我不能，你懂不懂，办不了")]), child)
    assert [f["rule"] for f in r["findings"]] == ["ban.refusal", "ban.refusal"]


def test_hash_changes_when_the_parent_changes_and_is_recorded(rubrics):
    before = load_rubric(rubrics / "child.yaml")
    assert before.hash.startswith("sha256:") and len(before.hash) == 7 + 16
    assert load_rubric(rubrics / "child.yaml").hash == before.hash
    (rubrics / "base.yaml").write_text(BASE.replace("points: 5", "points: 6"), encoding="utf-8")
    after = load_rubric(rubrics / "child.yaml")
    assert after.hash != before.hash
    r = score_conversation(Conversation("c", [Turn("agent", "好")]), after)
    assert r["rubric"] == {"id": "child", "version": "2.0.0", "hash": after.hash}


def test_cycle_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\nversion: 1\nextends: [b]\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: b\nversion: 1\nextends: [a.yaml]\n", encoding="utf-8")
    with pytest.raises(RubricError) as e:
        load_rubric(tmp_path / "a.yaml")
    assert str(e.value) == f"{tmp_path / 'a.yaml'} [extends]: extends forms a cycle: a.yaml → b.yaml → a.yaml"


def test_missing_parent_names_the_extends_line(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\nversion: 1\nextends: [nope]\n", encoding="utf-8")
    with pytest.raises(RubricError) as e:
        loader.load_rubric(tmp_path / "a.yaml", checkers=Registry.build().checkers, search_paths=[tmp_path])
    assert str(e.value).startswith(f"{tmp_path / 'a.yaml'}:3 [extends]: extends: rubric 'nope' not found")


def test_hash_ignores_comments_and_formatting(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("id: a\nversion: 1\nrules:\n  - {id: r, checker: phrase, phrases: [x]}\n", encoding="utf-8")
    b.write_text("# comment\nid: a\nversion: 1\nrules:\n  - id: r   # the rule\n    checker: phrase\n"
                 "    phrases:\n      - x\n", encoding="utf-8")
    assert load_rubric(a).hash == load_rubric(b).hash
    b.write_text(b.read_text(encoding="utf-8").replace("- x", "- y"), encoding="utf-8")
    assert load_rubric(a).hash != load_rubric(b).hash


def test_why_written_as_a_yaml_block_has_no_stray_newlines():
    from qa import rubric_from_text

    r = rubric_from_text("id: t\nversion: '1'\nrules:\n  - id: a\n    checker: phrase\n    phrases: [x]\n"
                         "    why: >\n      first line\n      second line\n", "t.yaml")
    assert r.rule("a").why == "first line second line"

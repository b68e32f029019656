"""An `extends` entry cannot reach files outside the extending rubric's folder (issue 10: no path traversal)."""

import pytest

from qa import Registry, load_rubric
from qa.errors import RubricError
from qa.rules.rubric import loader

PARENT = "id: parent\nversion: '1'\nrules: []\n"


def _child(tmp_path, extends):
    d = tmp_path / "rubrics"
    d.mkdir()
    (d / "parent.yaml").write_text(PARENT, encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(PARENT.replace("parent", "secret"), encoding="utf-8")
    child = d / "child.yaml"
    child.write_text(f"id: child\nversion: '1'\nextends: [{extends!r}]\nrules: []\n", encoding="utf-8")
    return child


@pytest.mark.parametrize("entry", ["../secret.yaml", "../secret", "sub/../../secret.yaml"])
def test_dotdot_escape_is_refused(tmp_path, entry):
    with pytest.raises(RubricError, match="points outside the rubric's folder") as err:
        load_rubric(str(_child(tmp_path, entry)))
    assert "QA_RUBRIC_PATH" in str(err.value)


def test_absolute_path_is_refused(tmp_path):
    with pytest.raises(RubricError, match="points outside"):
        load_rubric(str(_child(tmp_path, str(tmp_path / "secret.yaml"))))


def test_sibling_file_and_bare_name_still_work(tmp_path, monkeypatch):
    assert load_rubric(str(_child(tmp_path, "parent.yaml"))).extends == ("parent",)
    other = tmp_path / "other"
    other.mkdir()
    (other / "base.yaml").write_text(PARENT.replace("parent", "base"), encoding="utf-8")
    monkeypatch.setenv("QA_RUBRIC_PATH", str(other))
    child = other / "c.yaml"
    child.write_text("id: c\nversion: '1'\nextends: [base]\nrules: []\n", encoding="utf-8")
    assert load_rubric(str(child)).extends == ("base",)


def test_a_name_with_slashes_is_not_looked_up_in_search_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_RUBRIC_PATH", str(tmp_path / "rubrics"))
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "x.yaml").write_text(PARENT, encoding="utf-8")
    with pytest.raises(RubricError, match="not found"):
        loader.load_rubric("../x", checkers=Registry.build().checkers, search_paths=[tmp_path / "rubrics"])

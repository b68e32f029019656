"""qa/schema.py, the one description of the files a user writes: unknown keys, types and choices are
errors naming the file, line and key path; the docs' key tables are rendered from the schemas."""

import importlib.util
from pathlib import Path

import pytest

from qa.errors import ConfigError, RubricError
from qa.rules.rubric.yamlsafe import load_yaml
from qa.schema import Field, Schema, Where

ROOT = Path(__file__).resolve().parents[1]

SCHEMA = Schema({
    "name": Field(str, "what it is called"),
    "size": Field(int, "how big", default=3),
    "ratio": Field(float, "a share"),
    "tags": Field(list, "labels", item=str),
    "mode": Field(str, "how", choices=("fast", "careful")),
    "enabled": Field(bool, "switched on", default=False, message="enabled must be true or false"),
})


def _check(text, error=ConfigError, schema=SCHEMA):
    node = load_yaml(text, "f.yaml")
    return schema.check(node, Where("f.yaml", error, "top."))


def test_values_come_back_with_defaults_for_absent_keys():
    assert _check("name: a\nratio: 1\ntags: [x, y]\n") == {"name": "a", "size": 3, "ratio": 1, "tags": ["x", "y"],
                                                           "mode": None, "enabled": False}


@pytest.mark.parametrize(("text", "line", "field", "message"), [
    ("name: a\nsiez: 4\n", 2, "top.siez", "unknown key 'siez' — did you mean 'size'?"),
    ("name: a\nsize: many\n", 2, "top.size", "top.size must be a whole number"),
    ("size: true\n", 1, "top.size", "top.size must be a whole number"),
    ("ratio: '0.5'\n", 1, "top.ratio", "top.ratio must be a number"),
    ("tags: [x, 3]\n", 1, "top.tags", "top.tags must be a list of strings"),
    ("mode: carefull\n", 1, "top.mode", "top.mode must be one of ['fast', 'careful'], got 'carefull' — did you mean "
                                        "'careful'?"),
    ("\n\nenabled: 1\n", 3, "top.enabled", "enabled must be true or false"),
])
def test_mistakes_name_the_line_and_key_path(text, line, field, message):
    with pytest.raises(ConfigError) as e:
        _check(text)
    assert (e.value.path, e.value.line, e.value.field) == ("f.yaml", line, field)
    assert message in str(e.value)


def test_the_error_class_is_the_callers():
    with pytest.raises(RubricError):
        _check("size: x\n", RubricError)


def test_rows_document_every_key():
    assert [r[0] for r in SCHEMA.rows()] == list(SCHEMA.fields)
    assert dict((r[0], r[1]) for r in SCHEMA.rows())["mode"] == "one of fast, careful"


def test_key_tables_in_the_docs_are_rendered_from_the_schemas():
    spec = importlib.util.spec_from_file_location("gen_schema_docs", ROOT / "tools" / "gen_schema_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.main(["--check"]) == 0, "run python tools/gen_schema_docs.py"


@pytest.mark.parametrize(("toml", "field", "words"), [
    ('select = "ban"\n', "select", "select must be a list of strings"),
    ("fail-under = \"80\"\n", "fail-under", "fail-under must be a number"),
    ('fail-on = "maj"\n', "fail-on", "did you mean 'major'?"),
    ("jobs = 0\n", "jobs", "jobs must be at least 1"),
    ("rubrik = \"x\"\n", "rubrik", "unknown config key 'rubrik' — did you mean 'rubric'?"),
])
def test_config_values_are_checked(tmp_path, run_qa, toml, field, words):
    (tmp_path / "qa.toml").write_text(toml, encoding="utf-8")
    code, _, err = run_qa("--config", tmp_path / "qa.toml", "rubric", "list")
    assert code == 2 and words in err and f"[{field}]" in err


def test_config_in_pyproject_names_the_tool_table(tmp_path, run_qa):
    (tmp_path / "pyproject.toml").write_text('[tool.qa]\nselect = "ban"\n', encoding="utf-8")
    code, _, err = run_qa("--config", tmp_path / "pyproject.toml", "rubric", "list")
    assert code == 2 and "[tool.qa.select]" in err and "tool.qa.select must be a list of strings" in err

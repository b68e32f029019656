"""An embedding backend from a plugin (the qa_embedders hook): the docs' sentence-transformers example, run
against a stand-in ``sentence_transformers`` module (no torch, no model), and the registry's rules for backends."""

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from qa import compile_rubric, rubric_from_text, score_conversation
from qa.errors import PluginError, RubricError
from qa.model import Conversation, Turn
from qa.plugins.registry import PluginOptions, Registry, plugin_listing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plugins"

RUBRIC = """
id: t
version: "1"
language: zh
rules:
  - id: cb
    checker: similar
    title: 承诺回访
    backend: st-local
    backend_options: {{path: {path}}}
    threshold: 0.8
    scope: {{role: agent}}
    similar_to: [稍后给您回电]
"""


class FakeSentenceTransformer:
    """Stands in for sentence_transformers.SentenceTransformer: records how it was opened; a character
    histogram as the 'embedding'."""

    opened: list = []

    def __init__(self, path, **kwargs):
        FakeSentenceTransformer.opened.append((path, kwargs))

    def encode(self, texts, batch_size, normalize_embeddings, convert_to_numpy):
        assert normalize_embeddings and convert_to_numpy
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for r, t in enumerate(texts):
            for ch in t:
                out[r, ord(ch) % 64] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def st_local(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setitem(sys.modules, "sentence_transformers",
                        types.SimpleNamespace(SentenceTransformer=FakeSentenceTransformer))
    FakeSentenceTransformer.opened = []
    yield Registry.build(PluginOptions.from_env(modules=("qa_st_local",)))
    sys.modules.pop("qa_st_local", None)


def test_plugin_backend_is_listed_and_scores_from_yaml(st_local, tmp_path):
    listing = {p["name"]: p for p in plugin_listing(st_local)}
    assert listing["qa_st_local"]["embedders"] == ["st-local"]
    model = tmp_path / "bge-small-zh"
    model.mkdir()
    r = compile_rubric(rubric_from_text(RUBRIC.format(path=model), "t.yaml", registry=st_local), registry=st_local)
    c = Conversation("c", [Turn("customer", "怎么还没到"), Turn("agent", "好的，稍后给您回电"), Turn("agent", "您好")])
    got = score_conversation(c, r)["findings"]
    assert [(f["turn"], f["extra"]["backend"], f["extra"]["similar_to"]) for f in got] == [(1, "st-local", "稍后给您回电")]
    assert FakeSentenceTransformer.opened == [(str(model.resolve()), {"device": "cpu", "local_files_only": True})]


def test_plugin_backend_refuses_a_missing_model_folder_instead_of_downloading(st_local, tmp_path):
    with pytest.raises(RubricError) as e:
        compile_rubric(rubric_from_text(RUBRIC.format(path=tmp_path / "absent"), "t.yaml", registry=st_local),
                       registry=st_local)
    assert str(e.value).startswith("t.yaml:9 [rules[0] (cb).backend]: rule 'cb': backend 'st-local': model folder")
    assert "qa never downloads one" in str(e.value) and FakeSentenceTransformer.opened == []


def test_two_plugins_registering_one_backend_name_is_an_error_naming_both(plugin_modules):
    plugin_modules(acme_ngram='''
        from qa import hookimpl
        from qa.rules.text.embeddings import NgramBackend

        @hookimpl
        def qa_embedders():
            return [NgramBackend()]
    ''')
    with pytest.raises(PluginError, match=r"embedder 'ngram' is registered by both plugin 'builtin' and plugin "
                                          r"'acme_ngram'"):
        Registry.build(PluginOptions.from_env(modules=("acme_ngram",))).collect()


def test_builtin_backends_are_registered():
    reg = Registry.build()
    assert sorted(reg.embedders) == ["ngram", "use-multilingual"]
    assert reg.plugins["builtin"].embedders == ["ngram", "use-multilingual"]

"""docs/rubric.md is the reference: it must name every key the loader and the engine checkers accept."""

import re
from pathlib import Path

import pytest

from qa.rules.rubric import loader

DOC = Path(__file__).resolve().parents[3] / "docs" / "rubric.md"


def _documented() -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", DOC.read_text(encoding="utf-8")))


@pytest.mark.parametrize("keys", [loader.TOP_KEYS, loader.RULE_KEYS, loader.SCOPE_KEYS, loader.UNLESS_KEYS,
                                  loader.SCORING_KEYS, loader.SECTION_KEYS, ("fail", "pass"), loader.EXAMPLE_KEYS],
                         ids=["top", "rule", "scope", "unless", "scoring", "section", "examples", "example"])
def test_every_loader_key_is_documented(keys):
    assert set(keys) - _documented() == set()


@pytest.mark.parametrize("module, cls", [("phrase", "PhraseChecker"), ("required", "RequiredChecker"),
                                         ("regex", "RegexChecker"), ("token_pattern", "TokenPatternChecker")])
def test_every_engine_checker_option_is_documented(module, cls):
    import importlib

    checker = getattr(importlib.import_module(f"qa.rules.checkers.{module}"), cls)
    assert set(checker.options) - _documented() == set()

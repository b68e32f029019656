"""docs/eval.md is the reference for every key a user writes for qa eval and every figure it prints."""

import re
from pathlib import Path

import pytest

from qa.eval import devset, floors, labels, targets
from qa.eval.judge import FAMILIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "eval.md"


def documented() -> set[str]:
    return set(re.findall(r"`([a-z0-9_.:<>*-]+)`", DOC.read_text(encoding="utf-8")))


@pytest.mark.parametrize("keys", [labels.FIELDS, labels.RULE_KEYS[:4], labels.COMPLAINT_TYPES, labels.BANNED_CATEGORIES,
                                  labels.PRESENCE, labels.OWED, labels.VERDICTS, devset.SOURCE_KEYS,
                                  floors.ENTRY_KEYS, floors.STAT_NAMES, targets.KEYS],
                         ids=["fields", "rules", "types", "categories", "presence", "owed", "verdicts", "sources",
                              "floors", "stats", "targets"])
def test_every_key_is_documented(keys):
    assert set(keys) - documented() == set()


def test_every_family_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for family in ("banned phrasing", "courtesy facts", "complaints", "escalation", "call-backs", "verdict",
                   "reviewed rules"):
        assert f"| {family} |" in text
    assert len(FAMILIES) == 7

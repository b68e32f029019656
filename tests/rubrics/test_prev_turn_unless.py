"""``unless.prev_turn``: a phrase in the other party's turn just before cancels a finding.

Added for the shipped rubrics' blunt-refusal rule: 不可以的 answering 充电时可以使用吗 is a fact about the
product, the same words answering a request to change an address are a refusal.
"""

from __future__ import annotations

import pytest

from qa import build_rubric, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn


def _rubric(unless):
    return build_rubric({
        "id": "t", "version": "1", "language": "zh",
        "rules": [{"id": "ban.refusal", "checker": "phrase", "points": 5, "scope": {"role": "agent"},
                   "phrases": ["不可以"], "unless": unless}],
    }, "inline.yaml")


def _findings(rubric, turns):
    conv = Conversation("c", [Turn(role, text) for role, text in turns])
    return [(f["turn"], f["evidence"]) for f in score_conversation(conv, rubric)["findings"]]


def test_phrase_in_other_roles_previous_turn_cancels():
    r = _rubric({"prev_turn": ["使用吗"]})
    assert _findings(r, [("customer", "充电时可以使用吗？"), ("agent", "不可以的")]) == []
    assert _findings(r, [("customer", "能帮我改地址吗"), ("agent", "不可以的")]) == [(1, "不可以")]


def test_looks_past_the_agents_own_earlier_messages_to_the_customer_turn():
    r = _rubric({"prev_turn": ["使用吗"]})
    turns = [("customer", "充电时可以使用吗？"), ("agent", "亲爱哒"), ("agent", "不可以的")]
    assert _findings(r, turns) == []


def test_only_the_nearest_other_role_turn_counts():
    r = _rubric({"prev_turn": ["使用吗"]})
    turns = [("customer", "充电时可以使用吗？"), ("agent", "可以的"), ("customer", "那能改地址吗"), ("agent", "不可以的")]
    assert _findings(r, turns) == [(3, "不可以")]


def test_first_turn_has_no_previous_turn():
    assert _findings(_rubric({"prev_turn": ["使用吗"]}), [("agent", "不可以的")]) == [(0, "不可以")]


def test_prev_turn_must_be_phrases():
    with pytest.raises(RubricError) as exc:
        _rubric({"prev_turn": {"x": 1}})
    assert "prev_turn" in str(exc.value)

"""The JSON Schema and the canonical parser agree on what a conversation line is."""

import json
from pathlib import Path

import pytest

from qa.errors import InputError
from qa.ingest.canonical import conversation_from_dict
from qa.ingest.schema import conversation_schema, schema_problems
from qa.model import FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[2]
OK = {"id": "c-0001", "channel": "chat", "language": "zh", "agent_id": "A017", "team": "售后一组",
      "started_at": "2026-11-01T09:00:03+08:00", "metadata": {"csat": 4, "queue": "物流"},
      "turns": [{"role": "customer", "text": "我的快递怎么还没到", "ts": "2026-11-01T09:00:03+08:00"},
                {"role": "agent", "text": "您好，很高兴为您服务", "ts": "2026-11-01T09:00:11+08:00", "speaker": "A017"}]}
CALL = {"id": "k1", "channel": "call", "language": "en", "turns": [
    {"role": "agent", "text": "hello", "start": 0.5, "end": 1.2, "words": [{"w": "hello", "start": 0.5, "end": 1.2}]}]}


def test_schema_version_matches_the_model():
    schema = conversation_schema()
    assert schema["x-format-version"] == FORMAT_VERSION
    assert f"conversation-{FORMAT_VERSION}.schema.json" in schema["$id"]


@pytest.mark.parametrize("d", [OK, CALL, {"id": "x", "turns": [{"role": "bot", "text": "hi"}]},
                               {**OK, "format_version": "1.0"}])
def test_valid_lines_pass_both(d):
    assert schema_problems(d) == []
    conversation_from_dict(json.loads(json.dumps(d)))


@pytest.mark.parametrize(("d", "field"), [
    ({"turns": OK["turns"]}, "id"),
    ({**OK, "channel": "email"}, "channel"),
    ({**OK, "turns": []}, "turns"),
    ({**OK, "colour": "red"}, "colour"),
    ({**OK, "turns": [{"role": "waiter", "text": "x"}]}, "turns[0].role"),
    ({**OK, "turns": [{"role": "agent", "text": "   "}]}, "turns[0].text"),
    ({**OK, "turns": [{"role": "agent", "text": "x", "volume": 3}]}, "turns[0].volume"),
    ({**OK, "turns": [{"role": "agent", "text": "x", "start": -2}]}, "turns[0].start"),
    ({**OK, "turns": [{"role": "agent", "text": "x", "ts": "yesterday"}]}, "turns[0].ts"),
    ({**OK, "started_at": "1 Nov 2026"}, "started_at"),
    ({**CALL, "turns": [{"role": "agent", "text": "x", "words": [{"w": "x", "start": 0}]}]}, "turns[0].words[0]"),
])
def test_invalid_lines_fail_both_naming_the_field(d, field):
    problems = schema_problems(d)
    assert problems, "schema accepted it"
    with pytest.raises(InputError) as info:
        conversation_from_dict(d)
    assert info.value.field is not None and info.value.field.startswith(field.split(".")[0].split("[")[0])


def test_bundled_calls_are_schema_valid():
    for path in (ROOT / "corpora" / "harper-valley-bank").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert schema_problems(json.loads(line)) == [], path

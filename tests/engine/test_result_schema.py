"""Every result `qa score` writes validates against qa/schemas/result.schema.json (the machine-readable contract)."""

import json
from pathlib import Path

import jsonschema
import pytest

from qa import compile_rubric, load_rubric, read_conversations, score_conversations

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "qa" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(result):
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(result)]


@pytest.mark.parametrize("source, rubric", [
    ("tests/data/engine/chats.jsonl", "tests/data/engine/mini.yaml"),
    ("corpora/zh-chat-timed/sample.jsonl", "cs-timing-zh"),
    ("corpora/harper-valley-bank/calls.jsonl", "en-customer-service"),
])
def test_results_match_the_schema(source, rubric):
    path = ROOT / source
    if not path.exists():
        pytest.skip(f"{source} not present")
    results = list(score_conversations(read_conversations([str(path)]), compile_rubric(load_rubric(
        str(ROOT / rubric) if rubric.endswith(".yaml") else rubric))))
    assert results
    for r in results:
        assert _errors(r) == []
        assert r["score"] <= r["max_score"]
        for f in r["findings"]:
            if f["span"] is not None:
                assert f["span"][0] < f["span"][1]


def test_jddc_sample_results_match_the_schema(shared_data, tmp_path):
    from qa.cli import main

    src = shared_data / "jddc-chat-sample" / "chat_0.1per.txt"
    out = tmp_path / "scores.jsonl"
    with pytest.raises(SystemExit) as e:
        main(["score", str(src), "--mapping", str(ROOT / "corpora" / "mappings" / "jddc.yaml"),
              "-r", "zh-customer-service", "-f", "jsonl", "-o", str(out), "-q"])
    assert e.value.code in (0, 1)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 994
    for line in lines:
        r = json.loads(line)
        assert _errors(r) == []


def test_schema_rejects_a_broken_result():
    bad = {"conversation_id": "x", "agent_id": None, "team": None, "channel": "chat",
           "rubric": {"id": "r", "version": "1", "hash": "md5:1"}, "score": -1, "max_score": 100, "passed": True,
           "fatal": False, "sections": {}, "findings": [{"rule": "a"}], "not_applicable": [],
           "labels": {"complaint_types": []}, "metrics": {}}
    errors = _errors(bad)
    assert any(e.startswith("rubric/hash") for e in errors) and any(e.startswith("score") for e in errors)
    assert any(e.startswith("findings/0") for e in errors)

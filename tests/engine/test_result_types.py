"""ResultDict and FindingDict (qa.model) say what qa/schemas/result.schema.json says: the same keys, the
same ones required, and a real result has exactly the types they declare."""

import json
import types
import typing
from pathlib import Path

from qa import compile_rubric, load_rubric, read_conversations, score_conversation
from qa.model import FindingDict, ResultDict

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "qa" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))


def test_result_keys_mirror_the_schema():
    assert ResultDict.__required_keys__ == set(SCHEMA["required"])
    assert ResultDict.__required_keys__ | ResultDict.__optional_keys__ == set(SCHEMA["properties"])


def test_finding_keys_mirror_the_schema():
    finding = SCHEMA["$defs"]["finding"]
    assert FindingDict.__required_keys__ == set(finding["required"])
    assert FindingDict.__required_keys__ | FindingDict.__optional_keys__ == set(finding["properties"])


def _check(value, hint, where):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any:
        return
    if origin in (typing.Union, types.UnionType):
        for arm in args:
            try:
                _check(value, arm, where)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{where}: {value!r} fits none of {hint}")
    if origin is typing.Literal:
        assert value in args, f"{where}: {value!r} not in {args}"
    elif origin is list:
        assert isinstance(value, list), where
        for i, v in enumerate(value):
            _check(v, args[0], f"{where}[{i}]")
    elif origin is dict:
        assert isinstance(value, dict), where
        for k, v in value.items():
            _check(v, args[1], f"{where}.{k}")
    elif hint is type(None):
        assert value is None, f"{where}: {value!r} is not None"
    elif isinstance(hint, type) and typing.is_typeddict(hint):
        assert isinstance(value, dict), where
        hints = typing.get_type_hints(hint)
        assert hint.__required_keys__ <= set(value), f"{where}: missing {hint.__required_keys__ - set(value)}"
        assert set(value) <= set(hints), f"{where}: unexpected {set(value) - set(hints)}"
        for k, v in value.items():
            _check(v, hints[k], f"{where}.{k}")
    elif hint is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: {value!r}"
    else:
        assert isinstance(value, hint), f"{where}: {value!r} is not {hint}"


def test_results_of_the_demo_chats_have_the_declared_types():
    compiled = compile_rubric(load_rubric("zh-customer-service"))
    convs = list(read_conversations(ROOT / "corpora" / "zh-chat-timed" / "sample.jsonl"))[:40]
    results = [score_conversation(c, compiled) for c in convs]
    assert sum(len(r["findings"]) for r in results) > 10
    for r in results:
        _check(r, ResultDict, r["conversation_id"])

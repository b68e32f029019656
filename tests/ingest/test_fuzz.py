"""Hostile input, fuzzed with hypothesis on a time budget: readers and the rubric loader raise nothing but
qa's own errors, and every record read is accounted for (accepted + rejected = read)."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import ReadOptions, ReadStats, read_records
from qa.errors import QAError

BUDGET = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                          max_leaves=20)
ROLE = st.sampled_from(["agent", "customer", "system", "bot", "boss", "", 3])
turn = st.fixed_dictionaries({"role": ROLE, "text": st.one_of(st.text(max_size=40), json_leaf)},
                             optional={"ts": st.one_of(st.text(max_size=25), st.just("2026-11-02T10:00:00"), json_leaf),
                                       "start": json_leaf, "end": json_leaf, "speaker": json_value,
                                       "meta": json_value, "words": json_value, "extra": json_leaf})
record = st.fixed_dictionaries({"id": st.one_of(st.text(max_size=6), json_leaf)},
                               optional={"turns": st.one_of(st.lists(turn, max_size=4), json_value),
                                         "channel": st.one_of(st.sampled_from(["chat", "call"]), json_leaf),
                                         "language": json_leaf, "metadata": json_value, "agent_id": json_value,
                                         "started_at": json_leaf})


def _line(kind_and_value) -> bytes:
    kind, value = kind_and_value
    if kind == "record":
        return json.dumps(value, ensure_ascii=bool(len(str(value)) % 2)).encode() + b"\n"
    if kind == "json":
        return json.dumps(value).encode() + b"\n"
    if kind == "nested":
        return b'{"id":"n","turns":[{"role":"agent","text":"x"}],"metadata":' + b"[" * value + b"]" * value + b"}\n"
    return value.replace(b"\n", b" ") + b"\n"


lines = st.lists(st.one_of(st.tuples(st.just("record"), record), st.tuples(st.just("json"), json_value),
                           st.tuples(st.just("nested"), st.integers(1, 3000)),
                           st.tuples(st.just("bytes"), st.binary(max_size=60))), min_size=1, max_size=12)


@BUDGET
@given(lines)
def test_jsonl_reader_accounts_for_every_line(tmp_path_factory, items):
    path = tmp_path_factory.mktemp("fz") / "in.jsonl"
    data = b"".join(_line(i) for i in items)
    path.write_bytes(data)
    stats = ReadStats()
    try:
        recs = list(read_records([str(path)], "jsonl", ReadOptions(max_record_bytes=4096), stats))
    except QAError:
        return  # a whole-file problem, reported clearly
    assert stats.read == stats.accepted + stats.rejected == len(recs)
    for r in recs:
        if hasattr(r, "reason"):
            assert r.reason
    if data.startswith(b"\x1f\x8b"):
        return  # gzip magic: read as a (broken) compressed file, not line by line
    raw_lines = data.split(b"\n")
    raw_lines[0] = raw_lines[0].removeprefix(b"\xef\xbb\xbf")
    non_blank = sum(1 for ln in raw_lines if ln.strip())
    assert stats.read == non_blank
    assert all(r.source.line is not None for r in recs)


RUBRIC_TEXT = """\
id: fz
version: "1"
language: zh
sections: [{id: s, title: S, weight: 100}]
rules:
  - id: ban.x
    checker: phrase
    section: s
    severity: major
    points: 5
    scope: {role: agent}
    phrases: [我不能, 不知道]
    unless: {followed_by: [您还有]}
  - id: courtesy.hi
    checker: required
    section: s
    scope: {role: agent, first: 2}
    phrases: [您好]
"""


@BUDGET
@given(st.integers(0, len(RUBRIC_TEXT) - 1), st.text(alphabet=string.printable + "：。！[]{}-&*!|>'\"", max_size=8),
       st.integers(0, 6))
def test_rubric_loader_mutations_raise_only_rubric_errors(pos, insert, cut):
    from qa import build_rubric
    from qa.rules.rubric.yamlsafe import load_yaml

    text = RUBRIC_TEXT[:pos] + insert + RUBRIC_TEXT[pos + cut:]
    try:
        data = load_yaml(text, "fz.yaml")
        if not isinstance(data, dict) or "id" not in data or "version" not in data:
            return
        rubric = build_rubric(data, "fz.yaml")
    except QAError as exc:
        assert str(exc)
        return
    assert rubric.id is not None


@BUDGET
@given(st.dictionaries(st.sampled_from(["id", "checker", "severity", "points", "max_points", "section", "scope",
                                        "unless", "phrases", "tags", "enabled", "examples", "trigger", "window",
                                        "whole_turn", "message", "bogus"]), json_value, max_size=8))
def test_rule_builder_on_random_rule_mappings(rule):
    from qa import build_rubric

    data = {"id": "fz", "version": "1", "sections": [{"id": "s", "title": "S", "weight": 1}], "rules": [rule]}
    try:
        build_rubric(data, "fz.yaml")
    except QAError as exc:
        assert exc.path == "fz.yaml"


def test_yaml_object_construction_is_refused():
    import pytest

    from qa.errors import RubricError
    from qa.rules.rubric.yamlsafe import load_yaml

    for payload in ("!!python/object/apply:os.system ['echo pwned']", "x: !!python/name:os.system",
                    "a: &a [*a, *a]"):
        try:
            load_yaml(payload, "evil.yaml")
        except RubricError as exc:
            assert "evil.yaml" in str(exc)
        else:
            assert "python" not in payload, payload
    with pytest.raises(RubricError):
        load_yaml("!!python/object/apply:os.system ['echo pwned']", "evil.yaml")

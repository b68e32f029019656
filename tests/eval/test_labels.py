"""A bad label record is an error naming the labels file, its line and the field — never a traceback."""

import json
from pathlib import Path

import pytest

from qa.errors import InputError
from qa.eval.labels import check_turns, parse_record, read_labels

HERE = Path(__file__).resolve().parents[1] / "data" / "eval"
CHATS = HERE / "devset" / "chats.jsonl"
RUBRIC = HERE / "rubric.yaml"


def write(tmp_path, *records, name="labels.jsonl"):
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                 encoding="utf-8")
    return p


def test_a_full_record_is_read():
    rec = parse_record({"corpus": "jddc", "id": "s1", "complaints": [{"type": "fees", "turn": 2}],
                        "greeting": "given", "closing": "na", "apology": "owed_missing", "hold": "not_owed",
                        "escalation": None, "callbacks": [3], "banned": [{"turn": 5, "categories": ["refusal", "blame"]}],
                        "verdict": "coach", "note": "hard"})
    assert rec.key == ("jddc", "s1")
    assert rec.complaints == {"fees": 2}
    assert rec.banned == {5: frozenset({"refusal", "blame"})}
    assert rec.has("escalation") and rec.escalation is None
    assert not rec.has("rules")


def test_a_field_left_out_is_not_labelled():
    rec = parse_record({"id": "s1", "banned": []})
    assert rec.has("banned") and not rec.has("greeting") and rec.greeting is None


@pytest.mark.parametrize("record, field, words", [
    ({"id": "s", "greeting": "yes"}, "greeting", "unknown value 'yes'"),
    ({"id": "s", "apology": "owed_mising"}, "apology", "did you mean 'owed_missing'"),
    ({"id": "s", "banned": [{"turn": 1, "categories": ["refusl"]}]}, "banned[0].categories[0]", "did you mean 'refusal'"),
    ({"id": "s", "complaints": [{"type": "delivery", "turn": 1}]}, "complaints[0].type", "unknown value 'delivery'"),
    ({"id": "s", "complaints": [{"type": "fees", "turn": 1}, {"type": "fees", "turn": 3}]}, "complaints[1].type",
     "listed twice"),
    ({"id": "s", "banned": [{"turn": 1, "categories": []}]}, "banned[0].categories", "no category"),
    ({"id": "s", "banned": [{"turn": -1, "categories": ["why"]}]}, "banned[0].turn", "0-based"),
    ({"id": "s", "banned": [{"turn": 2, "categories": ["why"]}, {"turn": 2, "categories": ["vague"]}]},
     "banned[1].turn", "listed twice"),
    ({"id": "s", "verdict": "ok"}, "verdict", "one of: pass, coach, fail"),
    ({"id": "s", "greting": "given"}, "record.greting", "did you mean 'greeting'"),
    ({"greeting": "given"}, "id", "missing 'id'"),
    ({"id": "s", "rules": [{"rule": "ban.why", "violated": "yes"}]}, "rules[0].violated", "true or false"),
])
def test_bad_values_name_the_field(tmp_path, record, field, words):
    p = write(tmp_path, {"id": "ok"}, record)
    with pytest.raises(InputError) as exc:
        read_labels(str(p))
    assert exc.value.line == 2 and exc.value.field == field
    assert words in str(exc.value)
    assert str(exc.value).startswith(f"{p}:2 [{field}]")


def test_invalid_json_and_duplicates_name_the_line(tmp_path):
    with pytest.raises(InputError, match=r":2: not valid JSON"):
        read_labels(str(write(tmp_path, {"id": "a"}, '{"id": "b",')))
    with pytest.raises(InputError, match=r":3 \[id\]: conversation 'a' is labelled twice \(first on line 1\)"):
        read_labels(str(write(tmp_path, {"id": "a"}, {"id": "b"}, {"id": "a"})))


def test_turns_are_checked_against_the_conversation():
    roles = ["customer", "agent", "customer", "agent"]
    check_turns(parse_record({"id": "s", "banned": [{"turn": 3, "categories": ["why"]}], "complaints":
                              [{"type": "fees", "turn": 2}], "callbacks": [1], "escalation": 0}), roles)
    with pytest.raises(InputError, match=r"\[banned\[0\]\.turn\]: turn 4 is out of range: conversation 's' has 4"):
        check_turns(parse_record({"id": "s", "banned": [{"turn": 4, "categories": ["why"]}]}), roles)
    with pytest.raises(InputError, match=r"\[banned\[0\]\.turn\]: turn 2 of 's' is a customer message, not an agent"):
        check_turns(parse_record({"id": "s", "banned": [{"turn": 2, "categories": ["why"]}]}), roles)
    with pytest.raises(InputError, match=r"\[complaints\[0\]\.turn\]: turn 1 of 's' is an agent message, not a customer"):
        check_turns(parse_record({"id": "s", "complaints": [{"type": "fees", "turn": 1}]}), roles)
    with pytest.raises(InputError, match=r"\[escalation\]"):
        check_turns(parse_record({"id": "s", "escalation": 3}), roles)


def test_cli_names_file_line_and_field(tmp_path, run_qa):
    bad_turn = write(tmp_path, {"id": "ev-zh-01", "banned": []}, {"id": "ev-zh-02", "banned": [{"turn": 0, "categories":
                                                                                             ["refusal"]}]})
    code, _, err = run_qa("eval", RUBRIC, CHATS, "--labels", bad_turn)
    assert code == 2
    assert f"{bad_turn}:2 [banned[0].turn]: turn 0 of 'ev-zh-02' is a customer message, not an agent message" in err
    unknown = write(tmp_path, {"id": "nope"}, name="unknown.jsonl")
    code, _, err = run_qa("eval", RUBRIC, CHATS, "--labels", unknown)
    assert code == 2 and f"{unknown}:1 [id]: no input conversation has id 'nope'" in err
    enum = write(tmp_path, {"id": "ev-zh-01", "hold": "owed"}, name="enum.jsonl")
    code, _, err = run_qa("eval", RUBRIC, CHATS, "--labels", enum)
    assert code == 2 and f"{enum}:1 [hold]: unknown value 'owed'" in err
    rule = write(tmp_path, {"id": "ev-zh-01", "rules": [{"rule": "ban.refsal", "turn": 2, "violated": True}]},
                 name="rule.jsonl")
    code, _, err = run_qa("eval", RUBRIC, CHATS, "--labels", rule)
    assert code == 2 and "[rules[0].rule]: rule 'ban.refsal' is not in rubric 'eval-mini'" in err
    assert "did you mean 'ban.refusal'" in err
    assert "Traceback" not in err


def test_devset_labels_must_name_manifest_conversations(tmp_path, run_qa):
    devset = HERE / "devset"
    p = write(tmp_path, {"corpus": "eval-chats", "id": "ev-zh-99", "banned": []})
    code, _, err = run_qa("eval", RUBRIC, "--devset", devset, "--labels", p)
    assert code == 2 and f"{p}:1 [id]: eval-chats 'ev-zh-99' is not in the devset manifest" in err
    p = write(tmp_path, {"id": "ev-zh-01", "banned": []}, name="nocorpus.jsonl")
    code, _, err = run_qa("eval", RUBRIC, "--devset", devset, "--labels", p)
    assert code == 2 and "[corpus]: missing 'corpus'" in err

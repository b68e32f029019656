"""The fast paths of reading and normalising agree with the full, step-by-step code they shortcut."""

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import InputError, RubricError
from qa.ingest.canonical import _plain_turn, conversation_from_dict, turn_from_dict
from qa.rules.rubric import yamlsafe
from qa.rules.text.normalize import NormalizeOptions, normalize_text, traditional_to_simplified

# full-width ASCII and ideographic space, traditional characters (乾 and 著 have several simplified forms,
# so phrase exceptions such as 乾淨 apply), plain ASCII and whitespace
ALPHABET = "ＡＢｃ１２，！？\u3000服務請您稍等們國乾淨隆著作ABc xyz\t\n。"


def _step_by_step(text: str, opts: NormalizeOptions) -> str:
    t = text
    if opts.width:
        t = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c == "\u3000" else c for c in t)
    if opts.t2s:
        t = traditional_to_simplified(t)
    return t.lower() if opts.lowercase else t


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=12), st.booleans(), st.booleans())
def test_one_table_translation_equals_width_then_t2s(text, width, t2s):
    opts = NormalizeOptions(t2s=t2s, width=width, whitespace=False)
    assert normalize_text(text, opts).text == _step_by_step(text, opts)


def test_width_and_t2s_together_on_a_real_sentence():
    opts = NormalizeOptions.for_language("zh")
    assert normalize_text("您好，請稍等！ＯＫ", opts).text == "您好,请稍等!ok"
    assert normalize_text("衣服很乾淨，乾隆", opts).text == "衣服很干净,乾隆"


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from(["", " ", "agent", "customer", "bot", "你好", "2026-11-02T09:00:00",
                                    "2026-11-02T09:00:00Z", "2026-11-02T09:00:00+08:00", "not a time"]),
                   st.just({}), st.just({"k": 1}), st.just([]))
TURNS = st.dictionaries(st.sampled_from(["role", "text", "ts", "start", "end", "speaker", "meta", "words", "x"]),
                        VALUES, max_size=6)


@settings(max_examples=500, deadline=None)
@given(TURNS)
def test_plain_turn_accepts_only_what_the_full_validation_accepts(t):
    fast = _plain_turn(t)
    try:
        full = turn_from_dict(t, 0)
    except InputError:
        assert fast is None
        return
    assert fast is None or fast == full


def test_common_turns_take_the_fast_path():
    assert _plain_turn({"role": "agent", "text": "您好", "ts": "2026-11-02T09:00:00"}) is not None
    assert _plain_turn({"role": "agent", "text": "hi", "start": 1, "end": 2.5, "speaker": "A"}).end == 2.5


def test_invalid_turns_keep_their_messages():
    cases = [
        ({"role": "agent", "text": "  "}, "empty text", "turns[1].text"),
        ({"role": "boss", "text": "x"}, "unknown role 'boss'; expected one of ['agent', 'customer', 'system', 'bot']",
         "turns[1].role"),
        ({"role": "agent", "text": "x", "ts": "yesterday"}, "not an ISO 8601 time: 'yesterday'", "turns[1].ts"),
        ({"role": "agent", "text": "x", "start": -1}, "start -1.0 is negative; call times are seconds from the call "
         "start", "turns[1].start"),
        ({"role": "agent", "text": "x", "start": 3, "end": 2}, "end 2.0 is before start 3.0", "turns[1].end"),
        ({"role": "agent", "text": "x", "start": float("nan")}, "expected a finite number, got nan", "turns[1].start"),
    ]
    for turn, message, field in cases:
        d = {"id": "c1", "turns": [{"role": "customer", "text": "在吗"}, turn]}
        try:
            conversation_from_dict(d)
        except InputError as exc:
            assert (exc.message, exc.field) == (message, field)
        else:
            raise AssertionError(f"{turn} was accepted")


def test_yaml_errors_are_worded_by_the_pure_python_loader():
    for text, message, line in (("a: b: c\n", "YAML syntax error: mapping values are not allowed here", 1),
                                ("a: 1\nb: [1, 2\n", "YAML syntax error: expected ',' or ']', but got '<stream end>'",
                                 3),
                                ("a: !!python/object:os.system x\n", "unsupported YAML tag: could not determine a "
                                 "constructor for the tag 'tag:yaml.org,2002:python/object:os.system'", 1),
                                ("a: 1\na: 2\n", "duplicate key 'a'", 2)):
        try:
            yamlsafe.load_yaml(text, "r.yaml")
        except RubricError as exc:
            assert (exc.message, exc.line, exc.path) == (message, line, "r.yaml")
        else:
            raise AssertionError(text)


def test_yaml_lines_are_kept():
    data = yamlsafe.load_yaml("id: x\nrules:\n  - id: a\n    phrases: [p]\n  - id: b\n")
    assert data.lines == {"id": 1, "rules": 2}
    assert data["rules"].item_lines == [3, 5]
    assert yamlsafe.line_of(data["rules"][0], "phrases") == 4


def test_an_integer_too_large_for_a_float_is_a_reject_not_a_crash(tmp_path):
    import json

    from qa import read_records
    from qa.model import Reject

    huge = int("9" * 400)
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps({"id": "c", "channel": "call", "turns": [{"role": "agent", "text": "hi", "start": 0,
                                                                      "end": huge}]}) + "\n", encoding="utf-8")
    [rec] = list(read_records([str(p)]))
    assert isinstance(rec, Reject)
    assert rec.field == "turns[0].end" and "number too large" in rec.reason

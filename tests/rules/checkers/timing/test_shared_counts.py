"""Per-conversation facts the timing checkers share: unit counts, speech flags, turn times."""

import re
import sys

from qa import compile_rubric
from qa.engine.prepared import Prepared
from qa.rules.checkers.timing.common import count_units, speech_flags, unit_counts

from .timing_helpers import call, chat, conv, rubric


def prepared(turns, channel="chat", **top):
    return Prepared(conv(turns, channel, **top), compile_rubric(rubric("handle_time")))


def test_a_character_is_exactly_a_letter_or_digit_of_any_script():
    letter_or_digit = re.compile(r"[^\W_]")
    text = "".join(map(chr, range(sys.maxunicode + 1)))
    assert count_units(text, "chars") == len(letter_or_digit.findall(text))
    assert count_units("您好，订单号 A12_3！", "chars") == 9
    assert count_units("_ __ ", "chars") == 0


def test_tags_never_count_and_words_count_cjk_characters_one_by_one():
    assert count_units("[noise] 好的<unk>，收到", "chars") == 4
    assert count_units("[laughter]", "chars") == 0
    assert count_units("I don't know [noise] 退款", "words") == 5
    assert count_units("<a>b", "words") == 1


def test_unit_counts_are_counted_once_per_conversation_turn_and_unit():
    p = prepared([chat("customer", "在吗[图片]"), chat("agent", "您好 hello world")])
    assert unit_counts(p, "chars", [1]) == [None, 12]
    chars = unit_counts(p, "chars", [0, 1])
    assert chars == [2, 12]
    assert unit_counts(p, "chars", []) is chars
    assert unit_counts(p, "words", [0, 1]) == [2, 4]


def test_speech_flags_skip_tag_only_call_turns_but_keep_chat_stickers():
    p = prepared([call("customer", "[noise]", 0.0, 1.0), call("agent", "<unk> 您好", 1.0, 2.0),
                  call("customer", "[noise] <unk>", 2.0, 3.0)], channel="call")
    assert speech_flags(p) == [False, True, False]
    assert speech_flags(prepared([chat("customer", "[图片]")])) == [True]


def test_chat_turn_times_count_from_the_earlier_of_started_at_and_the_first_message():
    p = prepared([chat("customer", "在吗"), chat("customer", "你好", "2026-11-02T10:00:05"),
                  chat("agent", "您好", "2026-11-02T10:00:20")], started_at="2026-11-02T10:00:00")
    assert p.turn_times == [None, 5.0, 20.0]
    assert [p.turn_time(i) for i in range(3)] == [None, 5.0, 20.0]
    late_start = prepared([chat("customer", "在吗", "2026-11-02T10:00:05"), chat("agent", "您好", "2026-11-02T10:00:20")],
                          started_at="2026-11-02T10:00:10")
    assert late_start.turn_times == [0.0, 15.0]


def test_a_started_at_that_cannot_be_compared_with_the_messages_is_ignored():
    p = prepared([chat("customer", "在吗", "2026-11-02T10:00:03+08:00"),
                  chat("agent", "您好", "2026-11-02T10:00:09+08:00")], started_at="2026-11-02T09:00:00")
    assert p.turn_times == [0.0, 6.0]


def test_call_turns_use_their_start():
    p = prepared([call("agent", "您好", 0.5, 2.0), call("customer", "喂", 2.5, 3.0)], channel="call")
    assert p.turn_times == [0.5, 2.5]
    assert p.has_call_times and not p.has_chat_times


def test_announce_window_zero_means_no_gap_counts_as_announced():
    from qa import compile_rubric, rubric_from_text, score_conversation
    from qa.ingest.canonical import conversation_from_dict

    def findings(window):
        rubric = rubric_from_text(
            "id: t\nversion: '1'\nlanguage: zh\nrules:\n  - id: hold\n    checker: silence\n"
            f"    announce_window: {window}\n    max_silence_s: 5\n    max_hold_s: 60\n", "t.yaml")
        conv = conversation_from_dict({"id": "c", "channel": "call", "turns": [
            {"role": "agent", "text": "请您稍等，我查一下", "start": 0, "end": 2},
            {"role": "customer", "text": "好", "start": 2.5, "end": 3},
            {"role": "agent", "text": "查到了", "start": 20, "end": 21}]})
        return [f["extra"]["kind"] for f in score_conversation(conv, compile_rubric(rubric))["findings"]]

    assert findings(2) == []            # a 17 s hold announced two turns earlier is within max_hold_s
    assert findings(0) == ["dead_air"]  # with no look-back the same gap is dead air

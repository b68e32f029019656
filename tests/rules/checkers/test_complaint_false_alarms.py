"""Regressions for false complaint labels seen on real chats."""

from qa import compile_rubric, load_rubric, score_conversation
from qa.ingest.canonical import conversation_from_dict


def _labels(rubric, texts, language="en"):
    conv = conversation_from_dict({"id": "c", "language": language,
                                   "turns": [{"role": "customer", "text": t} for t in texts]})
    return [c["type"] if isinstance(c, dict) else c
            for c in score_conversation(conv, compile_rubric(load_rubric(rubric)))["labels"]["complaint_types"]]


def test_exclamation_marks_alone_are_not_a_complaint():
    # ABCD openers: cheerful "!" in several turns used to add up to an 'other' complaint
    assert _labels("complaints-en", ["HEY HO!", "Hi! I need to return an item, can you help me with that?",
                                     "Thanks!", "Great!"]) == []


def test_a_real_cue_with_exclamations_is_still_a_complaint():
    assert _labels("complaints-en", ["This is ridiculous!", "I want to complain about your service!!"]) != []

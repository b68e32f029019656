"""The RTTM reader, and overlap/silence checked against an independent `portion` computation on the
216 VoxConverse dev files (CC BY 4.0, Chung et al., Interspeech 2020) where the shared data is present."""

import portion as P
import pytest

from qa import ReadOptions, compile_rubric, read_conversations, read_records, score_conversation
from qa.errors import InputError
from qa.ingest.rttm import RttmReader
from qa.model import Conversation, Reject

from .timing_helpers import rubric

SAMPLE = """;; a comment
SPEAKER call7 1 0.500000 4.000000 <NA> <NA> spkB <NA> <NA>
SPEAKER call7 1 4.200000 2.000000 <NA> <NA> spkA <NA> <NA>
SPKR-INFO call7 1 <NA> <NA> <NA> unknown spkA <NA> <NA>
SPEAKER call7 1 3.500000 1.000000 <NA> <NA> spkA <NA> <NA>
SPEAKER other 1 0.000000 2.000000 <NA> <NA> s1 <NA> <NA>
"""


def _write(tmp_path, text, name="x.rttm"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_reader_builds_one_call_per_file_id_sorted_with_roles(tmp_path):
    path = _write(tmp_path, SAMPLE)
    c7, other = list(read_conversations(path))
    assert isinstance(c7, Conversation) and c7.id == "call7" and c7.channel == "call"
    assert [(t.speaker, t.role, t.start, t.end) for t in c7.turns] == [
        ("spkB", "agent", 0.5, 4.5), ("spkA", "customer", 3.5, 4.5), ("spkA", "customer", 4.2, 6.2)]
    assert {t.text for t in c7.turns} == {"[speech]"} and c7.turns[0].meta["line"] == 2
    assert c7.metadata == {"transcript": "none", "format": "rttm"}
    assert other.id == "other" and other.turns[0].role == "agent"
    mapped = list(read_conversations(path, options=ReadOptions(extra={"speaker_roles": {"spkA": "agent",
                                                                                          "spkB": "customer"}})))
    assert [t.role for t in mapped[0].turns] == ["customer", "agent", "agent"]


def test_bad_lines_reject_their_conversation_with_line_and_field(tmp_path):
    path = _write(tmp_path, SAMPLE + "SPEAKER other 1 abc 1.0 <NA> <NA> s1 <NA> <NA>\nSPEAKER short 1 0.5\n")
    recs = list(read_records([path], fmt="rttm"))
    assert [type(r).__name__ for r in recs] == ["Conversation", "Reject", "Reject"]
    assert recs[1].source.line == 7 and recs[1].field == "onset" and recs[1].conversation_id == "other"
    assert recs[1].reason == "onset is not a number: 'abc'"
    assert recs[2].source.line == 8 and recs[2].reason == "a SPEAKER line needs at least 8 fields, got 4"
    neg = _write(tmp_path, "SPEAKER n 1 1.0 -2.0 <NA> <NA> s1 <NA> <NA>\n", "neg.rttm")
    [rej] = list(read_records([neg]))
    assert rej.field == "duration" and "≥ 0" in rej.reason
    with pytest.raises(InputError, match="unknown role 'boss'"):
        list(RttmReader().read(path, ReadOptions(extra={"speaker_roles": {"spkA": "boss"}})))


def test_sniff_and_text_rules_are_not_applicable(tmp_path):
    assert RttmReader().sniff("x", SAMPLE.encode())
    assert not RttmReader().sniff("x", b'{"id": "c", "turns": []}')
    conv = next(read_conversations(_write(tmp_path, SAMPLE, "plain.txt")))  # sniffed without the extension
    res = score_conversation(conv, rubric("speech_rate", max_rate=300))
    assert res["not_applicable_reasons"]["t.speech_rate"] == "the conversation has no transcript text"
    res = score_conversation(conv, rubric("silence"))
    assert res["metrics"]["overlap_s"] == 1.0 and res["metrics"]["silence_s"] == 0.5   # spkB 0.5–4.5 vs spkA 3.5–6.2


def _reference(path):
    """Total overlap (≥ 2 distinct speakers) and non-speech over [0, last end], with `portion`."""
    per: dict[str, P.Interval] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            f = line.split()
            if not f or f[0] != "SPEAKER":
                continue
            onset, dur = float(f[3]), float(f[4])
            per[f[7]] = per.get(f[7], P.empty()) | P.closed(onset, onset + dur)
    speech = P.empty()
    for iv in per.values():
        speech |= iv
    names = sorted(per)
    overlap = P.empty()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            overlap |= per[a] & per[b]
    silence = P.closed(0, speech.upper) - speech

    def measure(iv):
        return sum(x.upper - x.lower for x in iv if not x.empty)

    return measure(overlap), measure(silence)


@pytest.mark.shared_data
def test_overlap_and_silence_agree_with_portion_on_all_voxconverse_dev_files(shared_data):
    files = sorted((shared_data / "voxconverse-rttm" / "dev").glob("*.rttm"))
    assert len(files) == 216
    compiled = compile_rubric(rubric("silence"))
    worst = 0.0
    mismatches = []
    total_overlap = total_silence = 0.0
    for path in files:
        [conv] = [r for r in read_records([str(path)]) if not isinstance(r, Reject)]
        m = score_conversation(conv, compiled)["metrics"]
        ov, sil = _reference(str(path))
        total_overlap += ov
        total_silence += sil
        err = max(abs(m["overlap_s"] - ov), abs(m["silence_s"] - sil))
        worst = max(worst, err)
        if err > 0.010:
            mismatches.append((path.name, m["overlap_s"], ov, m["silence_s"], sil))
    assert mismatches == []
    assert worst < 0.001            # rounding to the millisecond is the only difference
    assert total_overlap > 0 and total_silence > 0

"""Property tests: on any bytes, readers raise nothing but qa's own errors, and every record is counted."""

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import ReadOptions, ReadStats, read_records
from qa.errors import QAError
from qa.model import Reject

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"
READERS = ["jsonl", "csv", "tsv", "chatlog", "vtt", "srt", "whisper", "transcribe", "hvb", "seretod", "abcd"]
EXT = {"jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv", "chatlog": ".txt", "vtt": ".vtt", "srt": ".srt"}
SAMPLES = sorted(p for p in DATA.iterdir() if p.is_file())
# A few structurally meaningful starts so the readers get past their first checks.
PREFIXES = [b"", b"WEBVTT\n\n", b"1\n00:00:00,000 --> 00:00:01,000\n", b'{"segments": [', b'{"results": {"items": [',
            b'[{"convo_id": 1, "original": [', b'[{"id": "x", "content": [', b'[{"speaker_role": "agent", ',
            b'{"id": "c", "turns": [', b"conversation_id,role,text\n", b"\xef\xbb\xbf", b"\xff\xfe"]


def _check(fmt: str, data: bytes, options: ReadOptions | None = None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "input" + EXT.get(fmt, ".json"))
        with open(path, "wb") as fh:
            fh.write(data)
        stats = ReadStats()
        try:
            records = list(read_records([path], fmt, options or ReadOptions(max_record_bytes=4096), stats))
        except QAError:
            return  # a whole-file input problem, reported with the project's own error
        assert stats.read == stats.accepted + stats.rejected == len(records)
        assert stats.rejected == sum(isinstance(r, Reject) for r in records)
        for r in records:
            if isinstance(r, Reject):
                assert r.reason and r.source.path


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(READERS + ["auto"]), st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_arbitrary_bytes(fmt, prefix, data):
    _check(fmt, prefix + data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.sampled_from(READERS), st.data())
def test_mutated_real_fixtures(sample, fmt, data):
    raw = sample.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.binary(max_size=40))
    keep = data.draw(st.integers(0, len(raw)))
    mutated = raw[:cut] + junk + raw[cut:keep] if keep > cut else raw[:cut] + junk
    _check(fmt, mutated, ReadOptions(roles={"*": "customer"}))

"""--jobs N: same results in the same order as one job, bounded work in flight, rubric compiled once per worker."""

import json
import os

import pytest

from qa import Registry, read_conversations
from qa.run.chunks import chunked
from qa.run.executors import parallel_score
from qa.run.job import pack, unpack

pytestmark = pytest.mark.slow  # perf: processes, pools, real clusters (pytest -m 'not slow' skips it)


@pytest.fixture
def corpus(make_corpus, tmp_path):
    return make_corpus(tmp_path / "chats.jsonl", 900, bad_every=97)


def _serial(path, rubric):
    from qa import score_conversations

    return list(score_conversations(read_conversations(path), rubric))


def test_pool_results_equal_serial_in_order(corpus, rubric):
    serial = _serial(corpus, rubric)
    parallel = list(parallel_score(read_conversations(corpus), rubric, jobs=2, chunk_size=37, checkers=Registry.build().checkers))
    assert [r["conversation_id"] for r in parallel] == [r["conversation_id"] for r in serial]
    assert parallel == serial
    assert sum(len(r["findings"]) for r in serial) > 900  # the corpus really exercises the rules


def test_pack_round_trips_every_field():
    from datetime import datetime

    from qa.model import Conversation, SourceRef, Turn, Word

    conv = Conversation("c1", [Turn("agent", "您好", ts=datetime(2026, 1, 2, 3, 4, 5), speaker="A7", meta={"k": [1]}),
                               Turn("customer", "hi", start=1.5, end=2.0, words=[Word("hi", 1.5, 2.0)])],
                        channel="call", language="en", agent_id="A7", team="T", started_at=datetime(2026, 1, 2),
                        metadata={"queue": "vip"}, source=SourceRef("x.jsonl", 3))
    assert unpack(pack(conv)) == conv


def test_in_flight_work_is_bounded(rubric):
    """However long the input, the pool never holds more than max_in_flight chunks (memory stays flat)."""
    from qa.model import Conversation, Turn

    pulled = 0

    def endless():
        nonlocal pulled
        for k in range(4000):
            pulled += 1
            yield Conversation(f"c{k}", [Turn("agent", "您好，我不知道"), Turn("customer", "怎么还没到")])

    seen_in_flight = []
    yielded = 0
    worst_gap = 0
    for _ in parallel_score(endless(), rubric, jobs=2, chunk_size=50, max_in_flight=3,
                            on_submit=seen_in_flight.append, checkers=Registry.build().checkers):
        yielded += 1
        worst_gap = max(worst_gap, pulled - yielded)
    assert yielded == 4000
    assert max(seen_in_flight) == 3
    # read-ahead is at most the in-flight chunks plus the one being filled
    assert worst_gap <= (3 + 1) * 50


def test_rubric_compiled_once_per_worker(corpus, rubric, tmp_path, monkeypatch):
    import qa.run.job

    log = tmp_path / "compiles.log"
    real = qa.run.job.compile_rubric

    def counting(*a, **kw):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*a, **kw)

    monkeypatch.setattr(qa.run.job, "compile_rubric", counting)  # fork: the workers inherit the patch
    results = list(parallel_score(read_conversations(corpus), rubric, jobs=2, chunk_size=20, checkers=Registry.build().checkers))
    assert len(results) > 40  # many chunks per worker
    pids = log.read_text().split()
    assert len(pids) == len(set(pids)) and 1 <= len(pids) <= 2
    assert str(os.getpid()) not in pids


def test_cli_jobs_output_is_byte_identical(corpus, tmp_path, rubric_path):
    import subprocess
    import sys

    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        rej = tmp_path / f"rej{jobs}.jsonl"
        r = subprocess.run([sys.executable, "-m", "qa", "score", str(corpus), "-r", str(rubric_path), "-o", str(out),
                            "--rejects", str(rej), "--jobs", str(jobs)], capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        outs.append((out.read_bytes(), rej.read_bytes(), r.stderr.replace(rej.name, "REJECTS")))
    assert outs[0] == outs[1]
    lines = outs[0][0].decode().splitlines()
    rejects = outs[0][1].decode().splitlines()
    assert len(lines) + len(rejects) == 900  # accepted + rejected = read
    assert "read 900 record(s)" in outs[0][2]
    assert {json.loads(x)["line"] for x in rejects} == set(range(97, 901, 97))


def test_chunked_keeps_order_and_remainder():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_real_jddc_chats_score_identically_with_two_jobs(shared_data, bench, tmp_path):
    """994 real JD.com sessions with the shipped zh rubric: the pool changes nothing."""
    import subprocess
    import sys

    tsv = shared_data / "jddc-chat-sample" / "chat_0.1per.txt"
    if not tsv.is_file():
        pytest.skip("JDDC sample not present")
    src = tmp_path / "jddc.jsonl"
    n = bench.jddc_to_jsonl(tsv, src)
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"o{jobs}.jsonl"
        r = subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", "zh-customer-service", "-o", str(out),
                            "--jobs", str(jobs)], capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    results = [json.loads(x) for x in outs[0].decode().splitlines()]
    assert len(results) == n == 994
    assert sum(len(r["findings"]) for r in results) > 100


def test_pool_matches_serial_on_awkward_jsonl(make_corpus, rubric, tmp_path, stream_results):
    """BOM, blank lines, oversized lines, duplicates across files, gzip and a truncated gzip: the raw-line
    pool path gives the same results, rejects (with lines) and counts as one job."""
    import gzip

    from qa import ReadOptions
    from qa.run import RunSummary

    base = make_corpus(tmp_path / "base.jsonl", 700, seed=5).read_bytes().splitlines(keepends=True)
    a = tmp_path / "a.jsonl"
    a.write_bytes(b"\xef\xbb\xbf" + base[0] + b"\n   \n" + b"".join(base[1:300]) + b'{"id":"huge","turns":['
                  + b'{"role":"agent","text":"x"},' * 400 + b'{"role":"agent","text":"x"}]}\n' + b"".join(base[300:400]))
    b = tmp_path / "b.jsonl.gz"
    b.write_bytes(gzip.compress(b"".join(base[390:600])))  # ten ids repeat those of a.jsonl
    c = tmp_path / "c.jsonl.gz"
    c.write_bytes(gzip.compress(b"".join(base[600:700]))[:-300])  # truncated: a whole-file reject at the end
    paths = [str(a), str(b), str(c)]
    runs = []
    for jobs in (1, 2):
        summary, rejects = RunSummary(), []
        results = list(stream_results(paths, rubric, read_options=ReadOptions(max_record_bytes=8000), summary=summary,
                                    on_reject=rejects.append, jobs=jobs))
        runs.append((results, [r.to_dict() for r in rejects], summary.to_dict(), summary.read.to_dict()))
    assert runs[0] == runs[1]
    results, rejects, totals, read = runs[0]
    reasons = [r["reason"] for r in rejects]
    assert any("over the 8,000-byte record limit" in x for x in reasons)
    assert sum("duplicate conversation id" in x for x in reasons) == 10
    assert rejects[-1]["source"] == str(c) and "compressed" in rejects[-1]["reason"]
    assert rejects[0]["line"] == 303 and rejects[0]["source"] == str(a)
    assert read["files"] == 3 and read["read"] == read["accepted"] + read["rejected"]
    assert len(results) == read["accepted"] > 550


def test_every_line_its_own_chunk_matches_serial(make_corpus, rubric, tmp_path):
    """Chunk boundaries anywhere (chunk size 1), even before a line that starts with gzip's magic bytes."""
    from qa import ReadOptions, ReadStats
    from qa.run.executors import PoolExecutor, SerialExecutor
    from qa.run.job import Job
    from qa.run.outcomes import Scored

    lines = make_corpus(tmp_path / "base.jsonl", 30, seed=9).read_bytes().splitlines(keepends=True)
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(lines[:10]) + b"\x1f\x8b not gzip, just garbage\n" + b"\n" + b"\xef\xbb\xbf"
                    + b"".join(lines[10:]))
    reg = Registry.build()
    job = Job(rubric, reg.checkers, reg.readers, read_options=ReadOptions())
    runs = []
    for executor in (SerialExecutor(), PoolExecutor(2, chunk_size=1)):
        stats = ReadStats()
        got = list(executor.outcomes([str(src)], job, stats))
        runs.append(([(o.record, type(o).__name__, o.conversation_id if isinstance(o, Scored) else o.reject.to_dict(),
                       o.result if isinstance(o, Scored) else None) for o in got], stats.to_dict()))
    assert runs[0] == runs[1]
    rejects = [x for x in runs[0][0] if x[1] == "Rejected"]
    assert [r[2]["line"] for r in rejects] == [11, 13]  # garbage; a byte-order mark in the middle of the file
    assert "UTF-8" in rejects[0][2]["reason"]
    assert runs[0][1]["read"] == 31


def test_workers_leave_no_scratch_files(corpus, rubric_path, tmp_path):
    """Raw chunks go through an in-memory file; nothing is left in /dev/shm or the temp dir, even when the
    run is killed (pool workers end without running atexit handlers)."""
    import glob
    import subprocess
    import sys
    import tempfile

    def scratch():
        return set(glob.glob("/dev/shm/qa-chunk-*")) | set(glob.glob(f"{tempfile.gettempdir()}/qa-chunk-*"))

    before = scratch()
    r = subprocess.run([sys.executable, "-m", "qa", "score", str(corpus), "-r", str(rubric_path), "-o",
                        str(tmp_path / "o.jsonl"), "--jobs", "2"], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    assert scratch() == before

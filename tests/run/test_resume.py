"""Checkpoint/resume: a run killed with SIGKILL (or stopped with Ctrl-C) and restarted with --resume
ends with every conversation in the output exactly once, byte-identical to an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.run.checkpoint import partial_path, sidecar_path

pytestmark = pytest.mark.slow  # perf: processes, pools, real clusters (pytest -m 'not slow' skips it)


def _qa(*args, **kw):
    return [sys.executable, "-m", "qa", "score", *map(str, args)]


def _wait_for_commit(output: Path, proc, min_records: int, timeout: float = 60) -> dict:
    side = Path(sidecar_path(str(output)))
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"qa finished before it could be interrupted: {proc.stderr.read()}")
        try:
            d = json.loads(side.read_text())
            if d["records"] >= min_records:
                return d
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    pytest.fail("no checkpoint was committed")


@pytest.fixture(scope="module")
def big(tmp_path_factory, make_corpus, rubric_path):
    """6,000 chats with a broken record every 250 lines, and its uninterrupted result."""
    d = tmp_path_factory.mktemp("resume")
    corpus = make_corpus(d / "day.jsonl", 6000, seed=11, bad_every=250)
    ref, ref_rej = d / "ref.jsonl", d / "ref.rejects.jsonl"
    r = subprocess.run(_qa(corpus, "-r", rubric_path, "-o", ref, "--rejects", ref_rej, "-j", 1), capture_output=True,
                       text=True)
    assert r.returncode in (0, 1), r.stderr
    return corpus, ref.read_bytes(), ref_rej.read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_then_resume_scores_every_conversation_once(big, tmp_path, jobs, rubric_path):
    corpus, ref, ref_rej = big
    out, rej = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    argv = _qa(corpus, "-r", rubric_path, "-o", out, "--rejects", rej, "-j", jobs)
    env = dict(os.environ, QA_CHECKPOINT_EVERY="300")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    cp = _wait_for_commit(out, proc, 1000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # the output appears only when complete
    assert Path(partial_path(str(out))).exists()
    assert 1000 <= cp["records"] < 6000

    r = subprocess.run(argv + ["--resume"], capture_output=True, text=True, env=env)
    assert r.returncode in (0, 1), r.stderr
    assert "resumed after" in r.stderr
    assert out.read_bytes() == ref
    assert rej.read_bytes() == ref_rej
    ids = [json.loads(x)["conversation_id"] for x in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 6000 - 24
    assert "read 6000 record(s): 5976 accepted, 24 rejected; scored 5976" in r.stderr
    assert not Path(sidecar_path(str(out))).exists() and not Path(partial_path(str(out))).exists()


def test_sigint_stops_cleanly_with_summary_then_resumes(big, tmp_path, rubric_path):
    corpus, ref, _ = big
    out = tmp_path / "out.jsonl"
    argv = _qa(corpus, "-r", rubric_path, "-o", out)
    env = dict(os.environ, QA_CHECKPOINT_EVERY="300")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _wait_for_commit(out, proc, 600)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "scored" in err and "--resume" in err
    r = subprocess.run(argv + ["--resume"], capture_output=True, text=True, env=env)
    assert r.returncode in (0, 1), r.stderr
    assert out.read_bytes() == ref


def test_resume_refuses_a_changed_rubric(big, tmp_path, rubric_path, score_into):
    from qa import build_rubric, load_rubric
    from qa.run.checkpoint import ResumeError


    corpus, _, _ = big
    out = tmp_path / "out.jsonl"
    rubric = load_rubric(rubric_path)

    class Boom(Exception):
        pass

    # a run that dies after its first checkpoint
    import qa.run.runner

    seen = 0
    real = qa.run.runner.RunSummary.add_tally

    def add(self, tally):
        nonlocal seen
        seen += 1
        if seen > 150:
            raise Boom
        real(self, tally)

    qa.run.runner.RunSummary.add_tally = add
    try:
        with pytest.raises(Boom):
            score_into([str(corpus)], rubric, str(out), commit_every=100)
    finally:
        qa.run.runner.RunSummary.add_tally = real
    assert json.loads(Path(sidecar_path(str(out))).read_text())["records"] == 100

    changed = build_rubric({**rubric.raw, "version": "9.9", "rules": rubric.raw["rules"][:-1]}, "changed.yaml")
    with pytest.raises(ResumeError, match="the rubric changed"):
        score_into([str(corpus)], changed, str(out), resume=True)
    skipped = score_into([str(corpus)], rubric, str(out), resume=True)
    assert skipped == 100
    assert out.read_bytes() == big[1]


def test_resume_without_checkpoint_is_a_plain_run(big, tmp_path, rubric_path, score_into):
    from qa import load_rubric


    out = tmp_path / "out.jsonl"
    assert score_into([str(big[0])], load_rubric(rubric_path), str(out), resume=True) == 0
    assert out.read_bytes() == big[1]


@pytest.mark.parametrize("jobs", [1, 2])
def test_resume_on_the_parsed_record_path(big, tmp_path, rubric_path, monkeypatch, jobs, score_into):
    """Formats other than JSONL are read in the parent (serial, or sent to the pool as records): resume
    works there too, with limits turning some conversations into rejects."""
    import qa.run.executors
    import qa.run.runner
    from qa import load_rubric
    from qa.ingest.limits import Limits


    monkeypatch.setattr(qa.run.executors, "jsonl_only", lambda paths, fmt, readers: False)
    corpus, _, _ = big
    rubric = load_rubric(rubric_path)
    limits = Limits(max_text_chars=23)  # some generated turns are longer: those conversations are rejected
    ref, ref_rej = tmp_path / "ref.jsonl", tmp_path / "ref.rej.jsonl"
    score_into([str(corpus)], rubric, str(ref), rejects=str(ref_rej), limits=limits, jobs=1)
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"

    class Boom(Exception):
        pass

    real = qa.run.runner.RunSummary.add_tally
    seen = 0

    def add(self, tally):
        nonlocal seen
        seen += 1
        if seen > 700:
            raise Boom
        real(self, tally)

    monkeypatch.setattr(qa.run.runner.RunSummary, "add_tally", add)
    with pytest.raises(Boom):
        score_into([str(corpus)], rubric, str(out), rejects=str(rej), limits=limits, jobs=jobs,
                      commit_every=250, chunk_size=64)
    monkeypatch.setattr(qa.run.runner.RunSummary, "add_tally", real)
    summary = qa.run.runner.RunSummary()
    skipped = score_into([str(corpus)], rubric, str(out), rejects=str(rej), limits=limits, jobs=jobs,
                            resume=True, summary=summary, chunk_size=64)
    assert skipped >= 500  # the commit after 500 results
    assert out.read_bytes() == ref.read_bytes()
    assert rej.read_bytes() == ref_rej.read_bytes()
    assert len(ref_rej.read_text().splitlines()) > 100  # the limit really rejected conversations
    assert summary.read.read == 6000 and summary.scored == len(ref.read_text().splitlines())


def test_fingerprint_changes_with_the_input(tmp_path):
    from qa.run.checkpoint import fingerprint

    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "1"}\n')
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "x.json").write_text("{}")
    before = fingerprint([str(f), str(d)])
    assert before == fingerprint([str(f), str(d)])
    f.write_text('{"id": "2"}\n')  # same size, new content
    os.utime(f, ns=(before[0]["mtime_ns"], before[0]["mtime_ns"]))  # even with the old time
    assert fingerprint([str(f)])[0]["head"] != before[0]["head"]
    (d / "sub" / "y.json").write_text("{}")
    assert fingerprint([str(d)])[0] != before[1]

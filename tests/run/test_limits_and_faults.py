"""Limits with clear rejects, atomic outputs under disk-full / read-only faults, isolation of a failing
checker, and accepted + rejected = read through the CLI."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Registry, build_rubric, compile_rubric, score_conversations
from qa.errors import QAError, RubricError
from qa.ingest.limits import Limits
from qa.ingest.rejects import RejectsWriter
from qa.run import RunSummary

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "bench" / "rubric-zh-bench.yaml"


@pytest.fixture
def rubric():
    from qa import load_rubric

    return load_rubric(RUBRIC)


def _conv(cid, turns=None, **extra):
    return {"id": cid, "turns": turns or [{"role": "agent", "text": "您好，请问有什么可以帮您"},
                                         {"role": "customer", "text": "我的快递怎么还没到"}], **extra}


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_limits_turn_count_text_length_and_nesting_become_rejects(tmp_path, rubric, stream_results):
    def nested(d):
        v = "x"
        for _ in range(d):
            v = {"k": v}
        return v

    src = _write(tmp_path / "in.jsonl", [
        _conv("ok"),
        _conv("many", [{"role": "agent", "text": "您好"}] * 9),
        _conv("long", [{"role": "agent", "text": "您" * 501}]),
        _conv("deep", metadata=nested(12)),
        _conv("deepmeta", [{"role": "agent", "text": "您好", "meta": nested(11)}]),
        _conv("ok2", metadata=nested(5)),
    ])
    summary = RunSummary()
    rejects = []
    results = list(stream_results([str(src)], rubric, summary=summary, on_reject=rejects.append,
                                limits=Limits(max_turns=8, max_text_chars=500, max_depth=10)))
    assert [r["conversation_id"] for r in results] == ["ok", "ok2"]
    by_id = {r.conversation_id: r for r in rejects}
    assert by_id["many"].field == "turns" and "9 turns, over the limit of 8" in by_id["many"].reason
    assert by_id["long"].field == "turns[0].text" and "501 characters" in by_id["long"].reason
    assert by_id["deep"].field == "metadata" and "deeper than 10" in by_id["deep"].reason
    assert by_id["deepmeta"].field == "turns[0].meta"
    assert by_id["many"].source.line == 2
    s = summary.read
    assert (s.read, s.accepted, s.rejected) == (6, 2, 4) and s.turns == 4


def test_rubric_over_the_rule_and_phrase_limits_is_a_rubric_error(tmp_path, rubric, stream_results):
    src = _write(tmp_path / "in.jsonl", [_conv("ok")])
    with pytest.raises(RubricError, match="30 active rules, over the limit of 10"):
        list(stream_results([str(src)], rubric, limits=Limits(max_rules=10)))
    import qa.ingest.limits

    with pytest.raises(RubricError, match="distinct phrases, over the limit of 20"):
        qa.ingest.limits.check_compiled(compile_rubric(rubric), Limits(max_phrases=20))


def test_record_size_limit_rejects_with_the_size(tmp_path, rubric, stream_results):
    from qa import ReadOptions

    src = _write(tmp_path / "in.jsonl", [_conv("big", [{"role": "agent", "text": "您好" * 2000}]), _conv("ok")])
    rejects = []
    out = list(stream_results([str(src)], rubric, read_options=ReadOptions(max_record_bytes=4096),
                            on_reject=rejects.append))
    assert [r["conversation_id"] for r in out] == ["ok"]
    assert "over the 4,096-byte record limit" in rejects[0].reason and rejects[0].source.line == 1


def _leftovers(d: Path):
    return sorted(p.name for p in d.iterdir())


def test_disk_full_mid_run_is_a_clear_error_and_leaves_no_file(tmp_path, rubric, monkeypatch, make_corpus, score_into):
    import qa.run.checkpoint

    src = make_corpus(tmp_path / "in.jsonl", 800)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    real_write = qa.run.checkpoint.AppendFile.write

    def write(self, text):
        if self.bytes > 200_000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(self, text)

    monkeypatch.setattr(qa.run.checkpoint.AppendFile, "write", write)
    with pytest.raises(QAError, match="writing failed: No space left on device") as exc:
        score_into([str(src)], rubric, str(out_dir / "scores.jsonl"), rejects=str(out_dir / "rej.jsonl"),
                      commit_every=50)
    assert exc.value.path.endswith("scores.jsonl")
    assert _leftovers(out_dir) == []


def test_disk_full_on_other_formats_leaves_no_file(tmp_path, rubric, monkeypatch, make_corpus, stream_results):
    """The atomic writer (temp file + rename) used for csv/json/table outputs."""
    from qa.io import atomic_output
    from qa.reporters.basic import CsvReporter

    src = make_corpus(tmp_path / "in.jsonl", 300)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    class FullDisk:
        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, s):
            self.n += len(s)
            if self.n > 20_000:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(s)

    with pytest.raises(QAError, match="No space left on device"):
        with atomic_output(str(out_dir / "scores.csv")) as fh:
            CsvReporter().write_results(stream_results([str(src)], rubric), FullDisk(fh), {})
    assert _leftovers(out_dir) == []


def test_read_only_output_directory_is_a_clear_error(tmp_path, rubric, monkeypatch, make_corpus, score_into):
    src = make_corpus(tmp_path / "in.jsonl", 5)
    ro = tmp_path / "ro"
    ro.mkdir()
    real_open = open

    def deny(path, *a, **kw):  # root ignores chmod, so the read-only file system is simulated
        if str(path).startswith(str(ro)):
            raise PermissionError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(QAError, match="cannot write here: Read-only file system"):
        score_into([str(src)], rubric, str(ro / "scores.jsonl"))
    monkeypatch.undo()
    assert _leftovers(ro) == []
    os.chmod(ro, 0o555)
    try:
        if os.geteuid() != 0:  # a real read-only directory where permissions apply
            r = subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", str(RUBRIC), "-f", "csv",
                                "-o", str(ro / "x.csv")], capture_output=True, text=True)
            assert r.returncode == 2 and "cannot write here" in r.stderr and "Traceback" not in r.stderr
    finally:
        os.chmod(ro, 0o755)


def test_missing_output_directory_is_a_clear_cli_error(tmp_path, make_corpus):
    src = make_corpus(tmp_path / "in.jsonl", 3)
    for fmt in ("jsonl", "csv"):
        r = subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", str(RUBRIC), "-f", fmt,
                            "-o", str(tmp_path / "nope" / "x.out")], capture_output=True, text=True)
        assert r.returncode == 2, r.stderr
        assert "output directory does not exist" in r.stderr and "Traceback" not in r.stderr


def test_cli_accepted_plus_rejected_equals_read(tmp_path):
    lines = [json.dumps(_conv(f"c{k}"), ensure_ascii=False) for k in range(20)]
    lines[3] = "{broken"
    lines[7] = json.dumps(_conv("c1"))  # duplicate id
    lines[11] = json.dumps({"id": "x", "turns": [{"role": "boss", "text": "hi"}]})
    lines[15] = '"just a string"'
    src = tmp_path / "in.jsonl"
    src.write_bytes("\n".join(lines).encode("utf-8")[:-1] + b"\xff\n")  # last line: invalid UTF-8
    out, rej = tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    r = subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", str(RUBRIC), "-o", str(out),
                        "--rejects", str(rej)], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    n_out = len(out.read_text().splitlines())
    rejected = [json.loads(x) for x in rej.read_text().splitlines()]
    assert n_out + len(rejected) == 20
    assert {x["line"] for x in rejected} == {4, 8, 12, 16, 20}
    assert f"read 20 record(s): {n_out} accepted, {len(rejected)} rejected" in r.stderr


def test_failing_checker_is_isolated_to_its_conversation_in_a_pool(tmp_path):
    from qa.model import Conversation, Turn
    from qa.rules.checkers.base import Checker
    from qa.run.executors import parallel_score

    class Bomb(Checker):
        name = "bomb"

        def check(self, conv):
            if "炸" in conv.conv.turns[0].text:
                raise ValueError("checker blew up")
            return self.outcome()

    reg = Registry.build()
    reg.checkers["bomb"] = Bomb  # the workers get the checker classes with the job
    rubric = build_rubric({"id": "b", "version": "1", "rules": [
        {"id": "x.bomb", "checker": "bomb"},
        {"id": "x.ban", "checker": "phrase", "phrases": ["不知道"]}]}, "b.yaml", registry=reg)
    convs = [Conversation(f"c{k}", [Turn("agent", "炸了，不知道" if k == 33 else "不知道")]) for k in range(80)]
    serial = list(score_conversations(convs, rubric, registry=reg))
    pooled = list(parallel_score(iter(convs), rubric, checkers=reg.checkers, jobs=2, chunk_size=7))
    assert pooled == serial
    bad = [r for r in pooled if r.get("errors")]
    assert [r["conversation_id"] for r in bad] == ["c33"]
    assert bad[0]["errors"][0]["error"] == "ValueError: checker blew up"
    assert [f["rule"] for f in bad[0]["findings"]] == ["x.ban"]  # the other rules still ran
    summary = RunSummary()
    for r in pooled:
        summary.add(r)
    assert summary.errors == 1


def test_rejects_writer_is_atomic_on_interrupt(tmp_path):
    from qa.model import Reject, SourceRef

    path = tmp_path / "rej.jsonl"
    with pytest.raises(KeyboardInterrupt):
        with RejectsWriter(str(path)) as w:
            w(Reject(SourceRef("a", 1), "bad"))
            raise KeyboardInterrupt
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigint_on_a_non_resumable_output_leaves_no_file_and_prints_a_summary(tmp_path, make_corpus):
    import signal
    import time

    src = make_corpus(tmp_path / "in.jsonl", 20000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "qa", "score", str(src), "-r", str(RUBRIC), "-f", "csv",
                             "-o", str(out_dir / "scores.csv"), "-j", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not any(out_dir.iterdir()) and time.monotonic() - t0 < 60:  # the temp file appears once scoring runs
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "read " in err and "scored " in err and "interrupted" in err
    assert _leftovers(out_dir) == []


PLUGIN = '''
from qa import hookimpl
from qa.rules.checkers.base import Checker


class Bomb(Checker):
    name = "bomb"
    description = "fails on one conversation"

    def check(self, conv):
        if "炸" in conv.conv.turns[0].text:
            raise ValueError("checker blew up")
        return self.outcome()


@hookimpl
def qa_checkers():
    return [Bomb]
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failing_plugin_checker_isolated_and_reported_by_the_exit_code(tmp_path, jobs):
    (tmp_path / "boom_plugin.py").write_text(PLUGIN, encoding="utf-8")
    rubric = tmp_path / "r.yaml"
    rubric.write_text('id: b\nversion: "1"\nrules:\n  - {id: x.bomb, checker: bomb}\n'
                      '  - {id: x.ban, checker: phrase, phrases: [不知道]}\n', encoding="utf-8")
    src = _write(tmp_path / "in.jsonl", [_conv(f"c{k}", [{"role": "agent", "text": "炸了，不知道" if k == 7 else "不知道"}])
                                         for k in range(40)])
    out = tmp_path / "o.jsonl"
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "qa", "--plugin", "boom_plugin", "score", str(src), "-r", str(rubric),
                        "-o", str(out), "--jobs", jobs], capture_output=True, text=True, env=env)
    assert r.returncode == 1, r.stderr
    assert "scored 40" in r.stderr and "1 with checker errors" in r.stderr
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    bad = [x for x in results if x.get("errors")]
    assert [x["conversation_id"] for x in bad] == ["c7"]
    assert bad[0]["errors"][0]["error"] == "ValueError: checker blew up"
    assert all(f["rule"] == "x.ban" for x in results for f in x["findings"]) and len(results) == 40

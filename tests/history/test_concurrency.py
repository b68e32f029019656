"""History store under concurrency and crashes, on both engines: several writers at once lose nothing,
readers never see half a run, the same run written twice at once ends as one complete run, a brand-new
database opened by several processes at once is created once, and a writer killed mid-run leaves the
history as it was."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qa.store import SCHEMA_VERSION, Store, record_run
from tests.history.helpers import count
from tests.results.results_factory import finding, result

pytestmark = pytest.mark.slow  # perf: processes, pools, real clusters (pytest -m 'not slow' skips it)

ROOT = Path(__file__).resolve().parents[2]
CTX = multiprocessing.get_context("fork")


def _result(run: int, k: int) -> dict:
    return result(f"r{run}-c{k}", agent=f"A{k % 5}", score=90.0 - k % 7, findings=[finding("ban.x", turn=1)],
                  complaints=["服务态度"] if k % 9 == 0 else [])


def _writer(db: str, run: int, n: int) -> None:
    record_run(db, (_result(run, k) for k in range(n)), input_fingerprint=f"input-{run}", source=f"s{run}")


def _half_written_runs(db: str) -> list[dict]:
    """Runs whose stored results do not add up to their count (one statement: one consistent snapshot)."""
    with Store(db) as st:
        return st.query("SELECT id, conversations, (SELECT count(*) FROM results x WHERE x.run_id = r.id) AS n "
                        "FROM runs r WHERE conversations <> (SELECT count(*) FROM results x WHERE x.run_id = r.id)")


def test_writers_and_a_reader_lose_nothing(db):
    with Store(db):
        pass
    procs = [CTX.Process(target=_writer, args=(db, run, 1500)) for run in (1, 2, 3)]
    for p in procs:
        p.start()
    reads = 0
    while any(p.is_alive() for p in procs):
        assert _half_written_runs(db) == []
        reads += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert reads > 0
    with Store(db) as s:
        runs = s.runs()
        assert sorted(r["source"] for r in runs) == ["s1", "s2", "s3"]
        ids = [r["conversation_id"] for run in runs for r in s.results(run["id"])]
        if s.engine.name == "sqlite":
            assert s.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert len(ids) == len(set(ids)) == 4500
    assert count(db, "findings") == 4500 and count(db, "complaints") == 3 * 167


WRITER = textwrap.dedent("""\
    import sys
    from qa.store import record_run
    from tests.results.results_factory import result
    tag, db, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for k in range(runs):
        rs = [result(f"{tag}-{k}-{i}", agent=tag, score=90.0) for i in range(40)]
        record_run(db, rs, input_fingerprint=f"{tag}-{k}")
    print("ok")
    """)


def test_processes_writing_many_small_runs_at_once(db, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, str(script), tag, db, "15"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for tag in ("P", "Q", "R")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert (count(db, "runs"), count(db, "results")) == (45, 45 * 40)
    with Store(db) as st:
        assert st.query("SELECT min(conversations) AS lo, max(conversations) AS hi FROM runs") == [{"lo": 40, "hi": 40}]
        assert next(st.results("latest"))["score"] == 90.0


def _same_run(db, tag, barrier, out):
    barrier.wait()
    try:
        info = record_run(db, [result(f"c{i}", agent=tag, score=80.0) for i in range(300)],
                          input_fingerprint="the-night", source=tag)
        out.put((tag, info.id, info.created))
    except Exception as exc:  # noqa: BLE001 - the parent reports what went wrong
        out.put((tag, f"{type(exc).__name__}: {exc}", None))


def test_the_same_run_recorded_by_several_processes_at_once_ends_as_one_complete_run(db):
    with Store(db):
        pass
    barrier, out = CTX.Barrier(4), CTX.Queue()
    procs = [CTX.Process(target=_same_run, args=(db, f"W{k}", barrier, out)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    got = [out.get(timeout=5) for _ in procs]
    assert [p.exitcode for p in procs] == [0] * 4
    assert all(isinstance(run_id, int) for _, run_id, _ in got), got
    assert len({run_id for _, run_id, _ in got}) == 1 and sorted(c for *_, c in got) == [False, False, False, True]
    with Store(db) as st:
        [run] = st.runs()
        agents = {r["agent_id"] for r in st.results(run["id"])}
    assert run["conversations"] == 300 and count(db, "results") == 300
    assert agents == {run["source"]}            # the rows of one writer, the last to commit, not a mix


def _create_and_write(paths, tag, barrier, errors):
    for k, path in enumerate(paths):
        barrier.wait()
        try:
            record_run(path, [result(f"{tag}-{k}-{i}", agent=tag) for i in range(5)], input_fingerprint=tag)
        except Exception as exc:  # noqa: BLE001 - the parent reports what went wrong
            errors.put(f"{tag} round {k}: {type(exc).__name__}: {exc}")


def test_processes_creating_the_same_new_database_at_once(new_db, engine):
    """6 processes open one brand-new database at the same instant, several times over: schema creation
    (and on SQLite the WAL switch) race each other; every process must get through and every run land."""
    procs, rounds = 6, 20 if engine == "sqlite" else 8
    paths = [new_db(f"new-{k}") for k in range(rounds)]
    barrier, errors = CTX.Barrier(procs), CTX.Queue()
    workers = [CTX.Process(target=_create_and_write, args=(paths, f"P{p}", barrier, errors)) for p in range(procs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    assert [w.exitcode for w in workers] == [0] * procs
    for path in paths:
        with Store(path) as st:
            assert st.schema_version == SCHEMA_VERSION
            if engine == "sqlite":
                assert st.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
                assert st.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
            else:
                assert count(path, "schema_version") == SCHEMA_VERSION     # each migration applied once
            runs = st.query("SELECT input_fingerprint, conversations FROM runs ORDER BY input_fingerprint")
            assert [(r["input_fingerprint"], r["conversations"]) for r in runs] == [(f"P{p}", 5) for p in range(procs)]
        assert count(path, "results") == procs * 5


KILLED_WRITER = textwrap.dedent("""\
    import pathlib, sys, time
    from qa.store import record_run
    from tests.results.results_factory import finding, result
    db, marker, fingerprint = sys.argv[1:4]

    def results():
        for i in range(100_000):
            if i == 2500:                   # two batches of results and findings are in the database
                pathlib.Path(marker).write_text("sent")
                time.sleep(600)
            yield result(f"k{i}", agent="K", score=50.0, findings=[finding("ban.x")])

    record_run(db, results(), input_fingerprint=fingerprint)
    """)


@pytest.mark.parametrize("replacing", [False, True], ids=["new-run", "replacing-a-run"])
def test_a_writer_killed_mid_run_leaves_the_history_as_it_was(db, tmp_path, replacing):
    before = [result(f"c{i}", agent="A1", findings=[finding("ban.refusal")]) for i in range(3)]
    record_run(db, before, input_fingerprint="night-1")
    script, marker = tmp_path / "killed.py", tmp_path / "marker"
    script.write_text(KILLED_WRITER)
    fingerprint = "night-1" if replacing else "night-2"
    proc = subprocess.Popen([sys.executable, str(script), db, str(marker), fingerprint], stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the writer never got going"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    with Store(db) as st:
        [run] = st.runs()
        assert (run["input_fingerprint"], run["conversations"]) == ("night-1", 3)
        assert [(r["agent_id"], len(r["findings"])) for r in st.results(run["id"])] == [("A1", 1)] * 3
        if st.engine.name == "sqlite":
            assert st.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert (count(db, "results"), count(db, "findings")) == (3, 3)
    # nothing is left locked: the same run can be written at once
    info = record_run(db, [result("k0", agent="K")], input_fingerprint=fingerprint)
    assert info.created is not replacing and count(db, "results") == (1 if replacing else 4)

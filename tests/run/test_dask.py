"""--scheduler: the same scoring on a Dask cluster (a LocalCluster here) gives the serial results,
written as one part per input file in input order."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import ReadOptions, Registry

pytestmark = pytest.mark.slow  # perf: processes, pools, real clusters (pytest -m 'not slow' skips it)

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp://", host="127.0.0.1") as c:
        yield c


@pytest.fixture
def inputs(make_corpus, tmp_path):
    return [make_corpus(tmp_path / f"hour{h}.jsonl", 150, seed=h, bad_every=40 if h == 1 else 0,
                        prefix=f"h{h}-")
            for h in range(3)]


def _serial_lines(paths, rubric):
    from qa.run import RunRequest, run

    out = paths[0].parent / "serial.jsonl"
    run(RunRequest([str(p) for p in paths], rubric=rubric, output=str(out), jobs=1))
    return out.read_text(encoding="utf-8").splitlines(keepends=True)


def test_dask_parts_equal_serial_run(cluster, inputs, rubric, tmp_path):
    from qa.run import RunRequest, run

    out = tmp_path / "parts"
    with distributed.Client(cluster) as client:
        report = run(RunRequest([str(tmp_path / "hour*.jsonl")], rubric=rubric, output=str(out), scheduler=client))
    assert [Path(p).name for p in report.output_files] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    summary = report.summary
    lines = []
    for p in report.output_files:
        lines += Path(p).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == _serial_lines(inputs, rubric)
    rejects = (out / "part-00001.rejects.jsonl").read_text().splitlines()
    assert [json.loads(r)["line"] for r in rejects] == [40, 80, 120]
    assert summary.read.read == 450 and summary.read.rejected == 3 and summary.scored == 447
    manifest = json.loads((out / "_SUCCESS").read_text())
    assert [m["scored"] for m in manifest["parts"]] == [150, 147, 150]


def test_cli_scheduler_address(cluster, inputs, rubric_path, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "qa", "score", *map(str, inputs), "-r", str(rubric_path),
                        "--scheduler", cluster.scheduler_address, "-o", str(out)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode in (0, 1), r.stderr
    assert "read 450 record(s): 447 accepted, 3 rejected" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS"] + [f"part-0000{i}{s}" for i in range(3)
                                                                   for s in (".jsonl", ".rejects.jsonl")]


def test_unreachable_scheduler_is_a_clear_error(inputs, rubric_path, tmp_path):
    r = subprocess.run([sys.executable, "-m", "qa", "score", str(inputs[0]), "-r", str(rubric_path),
                        "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "o")], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, QA_DASK_TIMEOUT="2s"))
    assert r.returncode == 2
    assert "cannot reach the Dask scheduler" in r.stderr and "Traceback" not in r.stderr


def test_big_jsonl_files_are_split_into_byte_ranges(cluster, make_corpus, rubric, tmp_path):
    from qa import ReadStats
    from qa.run.chunks import split_jsonl
    from qa.run.dask import DaskExecutor
    from qa.run.job import Job

    src = make_corpus(tmp_path / "day.jsonl", 200, seed=4, bad_every=33)
    ranges = split_jsonl(str(src), 60_000)
    assert len(ranges) >= 5 and ranges[0][:1] == (0,) and ranges[-1][1] == src.stat().st_size
    with open(src, "rb") as fh:
        data = fh.read()
    for start, _, first_line in ranges:  # each range starts a line, numbered as in the file
        assert start == 0 or data[start - 1:start] == b"\n"
        assert data[:start].count(b"\n") + 1 == first_line
    out = tmp_path / "parts"
    registry = Registry.build()
    job = Job(rubric, registry.checkers, registry.readers, read_options=ReadOptions())
    with distributed.Client(cluster) as client:
        parts = list(DaskExecutor(client, str(out), part_bytes=60_000).outcomes([str(src)], job, ReadStats()))
    assert len(parts) == len(ranges)
    lines, rejects = [], []
    for p in parts:
        lines += (out / f"{p.part}.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        rejects += [json.loads(x) for x in (out / f"{p.part}.rejects.jsonl").read_text().splitlines()]
    assert lines == _serial_lines([src], rubric)
    assert [r["line"] for r in rejects] == list(range(33, 201, 33))

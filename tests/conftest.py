import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("QA_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _builtin_plugins_only(monkeypatch):
    """Tests see only qa's own plugins unless they opt in (registries read QA_PLUGINS when built)."""
    monkeypatch.setenv("QA_PLUGINS", os.environ.get("QA_TEST_PLUGINS", "builtin"))


def pytest_collection_modifyitems(config, items):
    """Tests on the research data in ../shared/data are ``slow`` (and ``shared_data``): ``pytest -m 'not slow'``
    is the quick loop; the full run (CI) includes them."""
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()) or item.get_closest_marker("shared_data"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture
def shared_data():
    """Path to ../shared/data; skips the test when the research data is not present."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared research data not found at {SHARED_DATA} (set QA_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def run_qa(capsys):
    """Run the qa CLI in-process: returns (exit code, stdout, stderr)."""
    from qa.cli import main

    def run(*args):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _job(rubric, registry, fmt="auto", read_options=None, select=(), ignore=(), redact=False, limits=None):
    from qa.ingest.base import ReadOptions
    from qa.ingest.limits import DEFAULT
    from qa.run.job import Job

    return Job(rubric, registry.checkers, registry.readers, tuple(select), tuple(ignore), fmt=fmt, redact=redact,
               limits=limits or DEFAULT, read_options=read_options or ReadOptions())


def _executor(jobs):
    from qa.run.executors import PoolExecutor, SerialExecutor

    return PoolExecutor(jobs) if jobs > 1 else SerialExecutor()


@pytest.fixture
def stream_results():
    """``stream_results(paths, rubric, jobs=1, summary=, on_reject=, **job options)``: the results of
    :func:`qa.run.runner.score_stream` with the builtin plugins."""
    from qa import Registry
    from qa.run.runner import score_stream

    def stream(paths, rubric, *, jobs=1, summary=None, on_reject=None, hooks=True, **job_options):
        registry = Registry.build()
        return score_stream([str(p) for p in paths], _job(rubric, registry, **job_options), _executor(jobs),
                            registry=registry, summary=summary, on_reject=on_reject, hooks=hooks)

    return stream


@pytest.fixture
def score_into():
    """``score_into(paths, rubric, output, jobs=1, rejects=, resume=, summary=, …)``: :func:`qa.run.runner.score_to_file`
    with the builtin plugins; returns the records skipped as already done."""
    from qa import Registry
    from qa.run.runner import score_to_file

    def score(paths, rubric, output, *, jobs=1, chunk_size=None, rejects=None, summary=None, reject_tally=None,
              resume=False, hooks=True, commit_every=None, commit_seconds=2.0, **job_options):
        from qa.run.executors import PoolExecutor

        registry = Registry.build()
        executor = PoolExecutor(jobs, chunk_size) if jobs > 1 and chunk_size else _executor(jobs)
        return score_to_file([str(p) for p in paths], _job(rubric, registry, **job_options), executor, str(output),
                             registry=registry, rejects=rejects, summary=summary, reject_tally=reject_tally,
                             resume=resume, hooks=hooks, commit_every=commit_every, commit_seconds=commit_seconds)

    return score
@pytest.fixture
def write_jsonl(tmp_path):
    """``write_jsonl(name, rows)``: rows as a JSONL file in the test's tmp dir."""
    def write(name, rows):
        p = tmp_path / name
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return p

    return write

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("QA_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _fresh_plugins(monkeypatch):
    """Tests see only qa's own plugins unless they opt in, and start with a clean registry."""
    from qa import plugins

    monkeypatch.setenv("QA_PLUGINS", os.environ.get("QA_TEST_PLUGINS", "builtin"))
    plugins.reset()
    yield
    plugins.reset()


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


@pytest.fixture
def write_jsonl(tmp_path):
    """``write_jsonl(name, rows)``: rows as a JSONL file in the test's tmp dir."""
    def write(name, rows):
        p = tmp_path / name
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return p

    return write

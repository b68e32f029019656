import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("QA_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _builtin_plugins_only(monkeypatch):
    """Tests see only qa's own plugins unless they opt in (registries read QA_PLUGINS when built)."""
    monkeypatch.setenv("QA_PLUGINS", os.environ.get("QA_TEST_PLUGINS", "builtin"))


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

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

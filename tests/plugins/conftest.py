import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINANCE_SRC = ROOT / "plugins" / "qa-finance" / "src"


@pytest.fixture
def plugin_modules(tmp_path, monkeypatch):
    """Write plugin modules into a folder on sys.path: ``plugin_modules(name=source, ...)`` → folder."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    written = []

    def write(**modules: str) -> Path:
        for name, source in modules.items():
            (site / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            written.append(name)
        return site

    yield write
    for name in written:
        sys.modules.pop(name, None)


@pytest.fixture
def fake_dist(plugin_modules, tmp_path):
    """An installed distribution without pip: a ``*.dist-info`` folder with ``entry_points.txt`` on sys.path."""

    def make(dist: str, version: str, entry_points: dict[str, str], **modules: str) -> Path:
        site = plugin_modules(**modules)
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
        lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[qa]\n{lines}", encoding="utf-8")
        return site

    return make


@pytest.fixture
def finance(monkeypatch, qa_plugin):
    """The qa-finance pack loaded as a plugin (from the source tree when it is not pip-installed)."""
    try:
        import qa_finance  # noqa: F401
    except ImportError:
        monkeypatch.syspath_prepend(str(FINANCE_SRC))
    return qa_plugin("qa_finance.plugin")

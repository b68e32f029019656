import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "bench" / "rubric-zh-bench.yaml"


def _bench():
    spec = importlib.util.spec_from_file_location("qa_bench", ROOT / "bench" / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("qa_bench", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def bench():
    """The benchmark script as a module (its seeded corpus generator is realistic test data)."""
    return _bench()


@pytest.fixture
def rubric():
    from qa import load_rubric

    return load_rubric(RUBRIC)


@pytest.fixture(scope="session")
def rubric_path():
    return RUBRIC


@pytest.fixture(scope="session")
def make_corpus(bench):
    """``make_corpus(path, n, seed=7, bad_every=0)``: generated chats (see :func:`write_corpus`)."""
    return lambda path, n, **kw: write_corpus(bench, path, n, **kw)


def write_corpus(bench, path: Path, n: int, seed: int = 7, bad_every: int = 0, prefix: str = "c") -> Path:
    """``n`` generated chats; with ``bad_every`` every k-th line is replaced by a broken record."""
    bench.make_corpus(path, n, seed=seed, prefix=prefix)
    if bad_every:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        broken = ['{"id": "broken"\n', '{"id": "empty", "turns": []}\n', "not json at all\n"]
        for k in range(bad_every - 1, len(lines), bad_every):
            lines[k] = broken[k % 3]
        path.write_text("".join(lines), encoding="utf-8")
    return path

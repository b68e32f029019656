import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def make_corpus():
    """``make_corpus(path, n)``: realistic generated zh chats from bench/bench.py (seeded)."""
    spec = importlib.util.spec_from_file_location("qa_bench_rel", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def make(path: Path, n: int, seed: int = 3) -> Path:
        bench.make_corpus(path, n, seed=seed)
        return path

    return make

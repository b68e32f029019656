from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def run_qa(capsys):
    """Run the qa CLI in-process: returns (exit code, stdout, stderr)."""
    from qa.cli import main

    def run(*args: str):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def read_all():
    """Every record of some files through read_records: (conversations, rejects, stats)."""
    from qa.model import Reject
    from qa.readers import ReadOptions, ReadStats, read_records

    def read(*paths, fmt="auto", **opts):
        stats = ReadStats()
        recs = list(read_records([str(p) for p in paths], fmt, ReadOptions(**opts), stats))
        convs = [r for r in recs if not isinstance(r, Reject)]
        rejects = [r for r in recs if isinstance(r, Reject)]
        assert stats.read == stats.accepted + stats.rejected == len(recs)
        return convs, rejects, stats

    return read

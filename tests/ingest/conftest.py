from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "readers"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def read_all():
    """Every record of some files through read_records: (conversations, rejects, stats)."""
    from qa import ReadOptions, ReadStats, read_records
    from qa.model import Reject

    def read(*paths, fmt="auto", **opts):
        stats = ReadStats()
        recs = list(read_records([str(p) for p in paths], fmt, ReadOptions(**opts), stats))
        convs = [r for r in recs if not isinstance(r, Reject)]
        rejects = [r for r in recs if isinstance(r, Reject)]
        assert stats.read == stats.accepted + stats.rejected == len(recs)
        return convs, rejects, stats

    return read

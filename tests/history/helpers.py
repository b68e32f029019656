"""Small helpers shared by the history tests (engine-neutral)."""

from __future__ import annotations

from qa.store import Store
from tests.results.results_factory import RUBRIC, finding, result


def count(db: str, table: str) -> int:
    """Rows in ``table`` of the history ``db`` (either engine)."""
    with Store(db) as st:
        return st.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]


def sample_results(n=3, rubric_hash="h-test", refusal_in=("c1",)):
    """``n`` results c1…cn for agents A1/A2; the conversations in ``refusal_in`` have one finding."""
    out = []
    for k in range(n):
        cid = f"c{k + 1}"
        fs = [finding("ban.refusal", turn=1, span=(3, 6))] if cid in refusal_in else []
        r = result(cid, agent=f"A{k % 2 + 1}", score=95.0 if fs else 100.0, findings=fs)
        r["rubric"] = {**RUBRIC, "hash": rubric_hash}
        out.append(r)
    return out

"""Timings of the scorecard, history store and report on N synthetic results.

    python3 tests/results/bench_scorecard.py 10000
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from qa.reporters.html_report import render_report  # noqa: E402
from qa.results.scorecard import aggregate  # noqa: E402
from qa.store import Store, record_run  # noqa: E402
from tests.results.results_factory import finding, result  # noqa: E402


def synthetic(n: int) -> list[dict]:
    rnd = random.Random(1)
    out = []
    for k in range(n):
        fs = [finding(rnd.choice(["ban.refusal", "courtesy.closing", "timing.reply_wait"]), turn=1)
              for _ in range(rnd.randint(0, 3))]
        out.append(result(f"c{k}", agent=f"A{k % 50}", team=f"T{k % 5}", score=100 - 5 * len(fs), passed=len(fs) < 3,
                          findings=fs, complaints=["服务态度"] if k % 7 == 0 else [],
                          metrics={"first_response_s": rnd.random() * 30}, metadata={"csat": rnd.randint(1, 5)},
                          started=f"2026-{k % 12 + 1:02d}-{k % 28 + 1:02d}T10:00:00+08:00"))
    return out


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def main(n: int) -> None:
    rs = synthetic(n)
    db = os.path.join(tempfile.mkdtemp(), "qa.db")
    sc, t_agg = timed(lambda: aggregate(rs, by="agent", period="month"))
    _, t_rec = timed(lambda: record_run(db, rs))
    _, t_again = timed(lambda: record_run(db, rs))
    count, t_read = timed(lambda: sum(1 for _ in Store(db).results()))
    html, t_html = timed(lambda: render_report(rs[:2000]))
    print(f"{n} results: aggregate by agent/month {t_agg:.2f}s ({len(sc.rows)} rows); record_run {t_rec:.2f}s; "
          f"re-record (idempotent) {t_again:.2f}s; read latest {count} {t_read:.2f}s; "
          f"db {os.path.getsize(db) / 1e6:.1f} MB; report of 2000 {t_html:.2f}s, {len(html) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)

#!/usr/bin/env python3
"""How fast the history store records a night's results, on SQLite and on PostgreSQL (issue 21).

Scores a seeded corpus of realistic zh chats (bench/bench.py's generator, the bench rubric) once, then
times, in one run and on the same results:

  (a) the baseline: the results written as JSONL to a file and fsynced (what `qa score -o` persists);
  (b) ``record_run`` of all N results as one run, into a new SQLite file, then again (the idempotent
      replace of the same input and rubric);
  (c) the same into a new PostgreSQL database;
  (d) concurrent writers: W processes, each recording its own N/W results as a run at the same moment,
      on each engine (wall time from the common start to the last commit), against one writer doing N;
  (e) reading the latest results back (``Store.results()``).

Each figure is the best of --repeat runs (3): on a shared machine, noise only ever adds time.

PostgreSQL is a throwaway cluster started here from the machine's binaries with its default durability
(fsync on; tests/postgres_server.py), or the server at --postgres URL (a database is created and dropped).
It prints a table and writes the figures as JSON (bench-results/history-<time>.json).

    python bench/bench_history.py                       # N=20000, 2 and 4 writers; about 3 minutes
    python bench/bench_history.py --n 20000 --writers 2,4 --postgres postgresql://me@dbhost/postgres
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def _bench_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("qa_bench", HERE / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_results(n: int, work: Path) -> list[dict]:
    from qa.run import RunRequest, run
    from qa.run.executors import default_jobs

    corpus = work / "corpus.jsonl"
    _bench_module().make_corpus(corpus, n)
    out = work / "results.jsonl"
    run(RunRequest([str(corpus)], rubric=str(HERE / "rubric-zh-bench.yaml"), output=str(out), jobs=default_jobs()))
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def timed(fn) -> tuple[object, float]:
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def baseline(results: list[dict], work: Path) -> float:
    def write():
        with open(work / "results.jsonl", "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return timed(write)[1]


def _write_part(db: str, part: list[dict], tag: str, start, done) -> None:
    from qa.store import record_run

    start.wait()
    record_run(db, part, input_fingerprint=f"bench-{tag}")
    done.put(time.perf_counter())


def concurrent(db: str, results: list[dict], writers: int) -> float:
    """Wall time of ``writers`` processes recording N/writers results each, started together."""
    from qa.store import Store

    with Store(db):
        pass
    ctx = multiprocessing.get_context("fork")
    start, done = ctx.Barrier(writers + 1), ctx.Queue()
    size = -(-len(results) // writers)
    procs = [ctx.Process(target=_write_part, args=(db, results[k * size:(k + 1) * size], f"w{writers}-{k}", start,
                                                    done)) for k in range(writers)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    ends = [done.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a writer failed (exit {p.exitcode})")
    return max(ends) - t0


def _count(it) -> int:
    return sum(1 for _ in it)


def engine_figures(new_db, results: list[dict], writers: list[int], repeat: int) -> dict:
    """Best of ``repeat`` for each figure (a shared machine's noise only ever adds time)."""
    from qa.store import Store, record_run

    firsts, agains, reads = [], [], []
    for _ in range(repeat):
        db = new_db()
        record = functools.partial(record_run, db, results, input_fingerprint="bench")
        firsts.append(timed(record)[1])
        agains.append(timed(record)[1])
        with Store(db) as st:
            n_read, t_read = timed(functools.partial(_count, st.results()))
        reads.append(t_read)
    out = {"record_s": min(firsts), "rerecord_s": min(agains), "read_latest_s": min(reads), "read": n_read,
           "record_all_s": firsts, "concurrent": {}}
    for w in [1, *writers]:
        t = min(concurrent(new_db(), results, w) for _ in range(repeat))
        out["concurrent"][w] = {"wall_s": t, "results_per_s": len(results) / t}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="results per run (default 20000)")
    ap.add_argument("--writers", default="2,4", help="concurrent writer counts to try (default 2,4)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept (default 3)")
    ap.add_argument("--postgres", default=None, metavar="URL",
                    help="a server where a database may be created (default: start a throwaway cluster)")
    args = ap.parse_args(argv)
    writers = [int(w) for w in args.writers.split(",") if w]
    work = Path(tempfile.mkdtemp(prefix="qa-bench-history-"))
    server_dir = None
    try:
        print(f"scoring {args.n} generated conversations …", file=sys.stderr)
        results = make_results(args.n, work)
        base = min(baseline(results, work) for _ in range(args.repeat))
        sqlite_n = iter(range(1000))
        figures = {"n": len(results), "findings": sum(len(r["findings"]) for r in results),
                   "baseline_jsonl_fsync_s": base,
                   "sqlite": engine_figures(lambda: str(work / f"h{next(sqlite_n)}.db"), results, writers,
                                            args.repeat)}
        url = args.postgres
        if url is None:
            from tests import postgres_server

            server_dir = tempfile.mkdtemp(prefix="qa-bench-pg-")
            try:
                url = postgres_server.start(server_dir, durable=True)
            except postgres_server.Unavailable as exc:
                print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        if url:
            new_db, drop_databases = _pg_databases(url)
            try:
                figures["postgresql"] = engine_figures(new_db, results, writers, args.repeat)
            finally:
                drop_databases()
        figures["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "platform": platform.platform(), "load_average_at_end": os.getloadavg()[0]}
        report(figures)
        out = ROOT / "bench-results"
        out.mkdir(exist_ok=True)
        path = out / f"history-{datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(figures, indent=2))
        print(f"\nfigures: {path}")
    finally:
        if server_dir:
            from tests import postgres_server

            postgres_server.stop(server_dir)
            shutil.rmtree(server_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _pg_databases(server_url: str):
    """``new_db()`` for PostgreSQL, a new database on the server each call, and ``drop()`` for them all."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    made: list[str] = []

    def drop():
        with psycopg.connect(server_url, autocommit=True) as conn:
            for name in made:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def new_db() -> str:
        name = f"qa_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        p = urlsplit(server_url)
        return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))

    return new_db, drop


def report(f: dict) -> None:
    n, base = f["n"], f["baseline_jsonl_fsync_s"]
    m = f["machine"]
    print(f"\n{m['cpus']} CPUs, load average {m['load_average_at_end']:.1f} at the end (other work on the machine "
          "slows every figure, the baseline too)")
    print(f"\n{n} results ({f['findings']} findings); baseline (JSONL to a file, fsync): {base:.2f} s = {n / base:,.0f} results/s\n")
    print(f"{'engine':<12}{'record':>10}{'× baseline':>12}{'results/s':>12}{'re-record':>11}{'read':>8}")
    for eng in ("sqlite", "postgresql"):
        e = f.get(eng)
        if e:
            print(f"{eng:<12}{e['record_s']:>9.2f}s{e['record_s'] / base:>12.1f}{n / e['record_s']:>12,.0f}"
                  f"{e['rerecord_s']:>10.2f}s{e['read_latest_s']:>7.2f}s")
    print(f"\nconcurrent writers ({n} results split evenly, one run each, started together):")
    print(f"{'engine':<12}{'writers':>8}{'wall':>9}{'results/s':>12}{'vs 1 writer':>13}")
    for eng in ("sqlite", "postgresql"):
        e = f.get(eng)
        if not e:
            continue
        one = e["concurrent"][1]["wall_s"]
        for w, c in e["concurrent"].items():
            print(f"{eng:<12}{w:>8}{c['wall_s']:>8.2f}s{c['results_per_s']:>12,.0f}{one / c['wall_s']:>12.2f}×")


if __name__ == "__main__":
    sys.exit(main())

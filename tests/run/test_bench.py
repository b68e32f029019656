"""The benchmark script itself: a seeded realistic corpus, a naive baseline that really matches, figures
written as JSON (a tiny run — no timing is asserted)."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # perf: processes, pools, real clusters (pytest -m 'not slow' skips it)

ROOT = Path(__file__).resolve().parents[2]


def test_corpus_is_seeded_realistic_and_valid(bench, tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    fa = bench.make_corpus(a, 50, seed=1)
    bench.make_corpus(b, 50, seed=1)
    assert a.read_bytes() == b.read_bytes()
    convs = [json.loads(x) for x in a.read_text(encoding="utf-8").splitlines()]
    assert len(convs) == 50 and all(len(c["turns"]) == 20 for c in convs)
    assert 1500 <= fa["mean_bytes"] <= 2300
    for c in convs:
        ts = [t["ts"] for t in c["turns"]]
        assert ts == sorted(ts)
        assert [t["role"] for t in c["turns"][:2]] == ["customer", "agent"]
    from qa import ReadStats, read_records

    stats = ReadStats()
    list(read_records([str(a)], stats=stats))
    assert stats.accepted == 50 and stats.rejected == 0


def test_naive_baseline_follows_extends_and_matches(bench, tmp_path):
    rules = bench._load_rules(ROOT / "rubrics" / "zh-customer-service.yaml")
    ids = {r["id"] for r in rules}
    assert any(i.startswith("complaint") for i in ids)  # complaint types come from the extended rubric
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "x", "turns": [{"role": "agent", "text": "这个我不知道哦"},
                                                    {"role": "customer", "text": "怎么还没到，太慢了"}]},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "n.jsonl"
    figures = bench.naive(src, ROOT / "rubrics" / "zh-customer-service.yaml", out)
    assert figures["conversations"] == 1 and figures["rules"] == len(rules)
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert {f["evidence"] for f in found} >= {"不知道"}


def test_tiny_run_writes_every_figure(bench, tmp_path):
    assert bench.main(["--n", "150", "--scale", "100,200", "--jobs", "1,2", "--out", str(tmp_path / "res"),
                       "--workdir", str(tmp_path / "w")]) == 0
    [res] = (tmp_path / "res").iterdir()
    d = json.loads(res.read_text(encoding="utf-8"))
    assert [q["jobs"] for q in d["qa"]] == [1, 2]
    assert all(q["conversations"] == 150 for q in d["qa"])
    assert [s["size"] for s in d["scale"]] == [100, 200]
    assert d["qa"][1]["worker_peak_rss_mb"] > 0 and d["qa"][0]["peak_rss_mb"] > 0
    assert set(d["ratios"]) >= {"qa_over_naive", "floor_over_qa", "jobs2_speedup"}
    assert d["startup"]["help_s"] > 0 and set(d["targets"])


def test_similarity_figures_compare_one_rule_per_backend_with_the_plain_rubric(bench, tmp_path):
    corpus = tmp_path / "c.jsonl"
    bench.make_corpus(corpus, 40, seed=3)
    got = bench.similarity(corpus, repeat=1)
    assert got["conversations"] == 40 and got["plain"]["over_plain"] == 1.0
    for backend in ("ngram", "use-multilingual"):
        fig = got[backend]
        assert fig["conv_per_s"] > 0 and fig["over_plain"] > 0
        cache = fig["cache"]
        # the synthetic agents repeat their lines: most units after the first conversations are hits
        assert cache["texts"] == cache["hits"] + cache["misses"] and cache["hit_rate"] > 0.5

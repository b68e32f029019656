"""Golden outputs: the bundled corpora scored with the shipped rubrics, compared byte for byte.

This guards refactors (results must not change) and makes every intended change of scoring
visible in review. After changing rubric or checker behaviour on purpose, regenerate the stored
outputs and commit them together with the change:

    QA_UPDATE_GOLDEN=1 python -m pytest -q -p no:cacheprovider tests/test_golden.py

Stored in ``tests/data/golden/``:

* full ``qa score -f jsonl`` output for the demo corpora (generated zh chats, Harper Valley Bank
  calls, both redistributable) and the scorecard built from the zh results;
* for further rubrics over the zh chats, the output's sha256 and its finding counts per rule;
* for the JDDC sessions in ``../shared/data`` that are *not* in ``RESERVED.txt``, only the sha256 of
  the output and the finding counts per rule (research-only data: no text enters the repository,
  and nothing about the reserved sessions is scored or stored). Skipped without ``../shared``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
UPDATE = bool(os.environ.get("QA_UPDATE_GOLDEN"))
REGENERATE = "QA_UPDATE_GOLDEN=1 python -m pytest -q -p no:cacheprovider tests/test_golden.py"

# (name of the stored output, input relative to the repository, rubric, extra qa score options)
FULL = [
    ("zh-chat-timed.zh-customer-service", "corpora/zh-chat-timed/sample.jsonl", "zh-customer-service", ()),
    ("harper-valley-bank.en-customer-service", "corpora/harper-valley-bank/calls.jsonl", "en-customer-service", ()),
]
DIGESTS = [
    ("zh-chat-timed.zh-p2p-lending", "corpora/zh-chat-timed/sample.jsonl", "zh-p2p-lending", ()),
    ("zh-chat-timed.zh-finance", "corpora/zh-chat-timed/sample.jsonl", "zh-finance", ()),
]


def _score(run_qa, source: str, rubric: str, *options: str) -> bytes:
    code, out, err = run_qa("score", source, "-r", rubric, "-f", "jsonl", "-q", *options)
    assert code == 0, err
    return out.encode("utf-8")


def _summary(output: bytes) -> dict:
    """What is stored instead of an output: its sha256 and the finding counts per rule."""
    lines = output.decode("utf-8").splitlines()
    counts = Counter(f["rule"] for line in lines for f in json.loads(line)["findings"])
    return {"sha256": hashlib.sha256(output).hexdigest(), "conversations": len(lines),
            "findings_by_rule": dict(sorted(counts.items()))}


def _check_bytes(path: Path, actual: bytes) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"no golden output {path}; create it with: {REGENERATE}"
    expected = path.read_bytes()
    if actual == expected:
        return
    got, want = actual.decode("utf-8").splitlines(), expected.decode("utf-8").splitlines()
    first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
    now, stored = (got[first] if first < len(got) else "<end>"), (want[first] if first < len(want) else "<end>")
    col = next((k for k, (a, b) in enumerate(zip(now, stored, strict=False)) if a != b), min(len(now), len(stored)))
    lo = max(0, col - 120)
    pytest.fail(f"{path.name} differs from the golden output at line {first + 1}, column {col + 1} "
                f"({len(got)} lines now, {len(want)} stored):\n  now:    …{now[lo:col + 200]}\n"
                f"  stored: …{stored[lo:col + 200]}\nIf the change is intended, regenerate with: {REGENERATE}")


def _check_summary(path: Path, actual: dict) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no golden summary {path}; create it with: {REGENERATE}"
    expected = json.loads(path.read_text(encoding="utf-8"))
    if actual != expected:
        rules = sorted(set(actual["findings_by_rule"]) | set(expected["findings_by_rule"]))
        changed = {r: (expected["findings_by_rule"].get(r, 0), actual["findings_by_rule"].get(r, 0)) for r in rules
                   if expected["findings_by_rule"].get(r, 0) != actual["findings_by_rule"].get(r, 0)}
        pytest.fail(f"{path.name}: output changed (sha256 {expected['sha256'][:12]} -> {actual['sha256'][:12]}, "
                    f"{expected['conversations']} -> {actual['conversations']} conversations); finding counts "
                    f"stored -> now: {changed or 'unchanged'}.\nIf the change is intended, regenerate with: {REGENERATE}")


@pytest.fixture
def in_repo(monkeypatch):
    """Run from the repository root, so results name their source as a relative path."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("name", "source", "rubric", "options"), FULL, ids=[c[0] for c in FULL])
def test_demo_corpora_score_as_stored(in_repo, run_qa, name, source, rubric, options):
    _check_bytes(GOLDEN / f"{name}.jsonl", _score(run_qa, source, rubric, *options))


def test_process_pool_output_is_the_stored_output(in_repo, run_qa):
    """``--jobs 2`` goes through the pool executor and must write the same bytes as one process."""
    if UPDATE:
        pytest.skip("compares with the output of test_demo_corpora_score_as_stored")
    name, source, rubric, _ = FULL[0]
    assert _score(run_qa, source, rubric, "--jobs", "2") == (GOLDEN / f"{name}.jsonl").read_bytes()


def test_scorecard_of_the_zh_results_as_stored(in_repo, run_qa, tmp_path):
    name, source, rubric, _ = FULL[0]
    results = tmp_path / "results.jsonl"
    results.write_bytes(_score(run_qa, source, rubric))
    code, out, err = run_qa("scorecard", results, "--by", "agent", "--period", "month", "-f", "json")
    assert code == 0, err
    _check_bytes(GOLDEN / f"{name}.scorecard.json", out.encode("utf-8"))


@pytest.mark.parametrize(("name", "source", "rubric", "options"), DIGESTS, ids=[c[0] for c in DIGESTS])
def test_other_rubrics_score_as_stored(in_repo, run_qa, monkeypatch, name, source, rubric, options):
    if rubric == "zh-finance":
        pytest.importorskip("qa_finance", reason="the qa-finance plugin is not installed (pip install -e plugins/qa-finance)")
        monkeypatch.setenv("QA_PLUGINS", "builtin,finance")
    _check_summary(GOLDEN / f"{name}.json", _summary(_score(run_qa, source, rubric, *options)))


def _jddc_not_reserved(shared_data: Path, run_qa, workdir: Path) -> Path:
    """The JDDC sample read with qa's own TSV reader and mapping, minus the reserved sessions, as
    canonical JSONL in ``workdir`` (so results name it by a relative path)."""
    folder = shared_data / "jddc-chat-sample"
    reserved = set((folder / "RESERVED.txt").read_text(encoding="utf-8").split())
    everything = workdir / "all.jsonl"
    code, _, err = run_qa("ingest", folder / "chat_0.1per.txt", "--mapping", ROOT / "corpora/mappings/jddc.yaml",
                          "-o", everything)
    assert code == 0, err
    kept = workdir / "jddc.jsonl"
    with everything.open(encoding="utf-8") as src, kept.open("w", encoding="utf-8") as out:
        for line in src:
            if json.loads(line)["id"] not in reserved:
                out.write(line)
    everything.unlink()
    return kept


@pytest.mark.shared_data
@pytest.mark.slow
def test_jddc_sessions_not_reserved_score_as_stored(shared_data, run_qa, tmp_path, monkeypatch):
    kept = _jddc_not_reserved(shared_data, run_qa, tmp_path)
    monkeypatch.chdir(tmp_path)
    summary = _summary(_score(run_qa, kept.name, "zh-customer-service"))
    assert summary["conversations"] == 545
    _check_summary(GOLDEN / "jddc-not-reserved.zh-customer-service.json", summary)

"""`qa demo` and examples/nightly.sh on the bundled corpora."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"


def _need(folder: str) -> Path:
    path = CORPORA / folder
    if not path.is_dir() or not any(path.glob("*.jsonl")):
        pytest.skip(f"{path} is not in this checkout")
    return path


def test_demo_runs_the_whole_flow(run_qa, tmp_path):
    _need("zh-chat-timed")
    work = tmp_path / "demo"
    code, out, err = run_qa("demo", "--dir", work)
    assert code == 0, err
    report = work / "report.html"
    assert f"report:      {report}" in out
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 4 and "zct-" in html
    db = sqlite3.connect(work / "qa.db")
    runs = db.execute("SELECT source, conversations FROM runs ORDER BY id").fetchall()
    assert runs[0] == ("zh-chat-timed (1.0.0)", 200) and runs[1] == ("zh-chat-timed (1.1.0)", 200)
    # the rubric edit (courtesy.closing added in 1.1.0) changes conversations, and compare names them
    code, out, _ = run_qa("history", "compare", "1", "2", "--db", work / "qa.db", "-f", "json")
    import json

    cmp = json.loads(out)
    assert cmp["changed"] and {r["rule"] for r in cmp["rules"]} == {"courtesy.closing"}
    assert all(c["rules_added"] == {"courtesy.closing": 1} for c in cmp["changed"])
    # the scorecard has per-agent rows with the timing and satisfaction KPIs filled from the corpus
    code, out, _ = run_qa("scorecard", "--db", work / "qa.db", "--period", "all", "-f", "json")
    rows = {r["agent"]: r for r in json.loads(out)["rows"]}
    a011 = rows["A011"]
    assert a011["first_response_mean_s"] is not None and a011["handle_time_mean_s"] is not None
    assert a011["sla_attainment"] is not None and a011["satisfaction"] is not None
    if (CORPORA / "harper-valley-bank").is_dir():
        assert rows["17"]["conversations"] == 2 and rows["17"]["satisfaction"] is not None


def test_demo_without_corpora_says_so(run_qa, tmp_path):
    code, _, err = run_qa("demo", "--dir", tmp_path / "d", "--corpora", tmp_path / "nowhere")
    assert code == 2 and "sample corpora are not here" in err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_nightly_script_gates_on_team_pass_rate(tmp_path):
    sample = _need("zh-chat-timed")
    day = "2026-11-23"
    (tmp_path / "exports" / day).mkdir(parents=True)
    lines = next(sample.glob("*.jsonl")).read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    (tmp_path / "exports" / day / "chats.jsonl").write_text("".join(lines), encoding="utf-8")
    strict = tmp_path / "strict.yaml"
    strict.write_text("id: strict\nversion: 1.0.0\nlanguage: zh\nextends: [zh-customer-service]\n"
                      "scoring: {base: 100, pass_mark: 99.5, fatal: zero}\nrules: []\n", encoding="utf-8")
    qa_bin = shutil.which("qa")
    if qa_bin is None:
        pytest.skip("the qa console script is not installed")
    env = {**os.environ, "QA_EXPORTS": str(tmp_path / "exports"), "QA_DB": str(tmp_path / "qa.db"),
           "QA_PUBLISH": str(tmp_path / "pub"), "QA_DAY": day, "QA_PASS_RATE": "0.5", "QA_BIN": qa_bin}
    ok = subprocess.run(["bash", str(ROOT / "examples" / "nightly.sh")], env=env, capture_output=True, text=True,
                        timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "pub" / f"report-{day}.html").is_file() and (tmp_path / "pub" / "index.html").is_file()
    teams = (tmp_path / "pub" / f"teams-{day}.csv").read_text(encoding="utf-8-sig")
    assert teams.startswith("team,period,conversations")
    failing = subprocess.run(["bash", str(ROOT / "examples" / "nightly.sh")], capture_output=True, text=True,
                             timeout=300, env={**env, "QA_RUBRIC": str(strict), "QA_PASS_RATE": "0.95"})
    assert failing.returncode == 1, failing.stderr
    assert "quality gate failed" in failing.stderr
    runs = sqlite3.connect(tmp_path / "qa.db").execute("SELECT count(*) FROM runs").fetchone()[0]
    assert runs == 2      # same input under two rubric hashes; a rerun would replace, not add

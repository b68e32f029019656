import json
from pathlib import Path

import pytest

from qa.cli import main

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"
MINI = str(DATA / "mini.yaml")


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_rubric_test_passes_then_fails_when_an_example_breaks(capsys, tmp_path):
    code, out, err = run(capsys, "rubric", "test", MINI)
    assert code == 0 and out == "" and "11 example(s) of 4 rule(s), 0 failed" in err
    broken = tmp_path / "mini.yaml"
    broken.write_text(Path(MINI).read_text(encoding="utf-8").replace("fail: [你有病吧]", "fail: [你好吧]"),
                      encoding="utf-8")
    code, out, err = run(capsys, "rubric", "test", str(broken))
    assert code == 1
    assert out.strip() == (f"{broken}:38: ban.abuse fail example 1 “你好吧”: FAILED — expected a finding, found none")
    code, out, _ = run(capsys, "rubric", "test", str(broken), "--rule", "ban.refusal")
    assert code == 0


def test_rubric_test_json(capsys):
    code, out, _ = run(capsys, "rubric", "test", MINI, "--rule", "courtesy.apology", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["examples"] == 2 and data["failed"] == 0
    assert [r["kind"] for r in data["results"]] == ["fail", "pass"]
    assert data["results"][0]["findings"][0]["message"] == "客户不满时致歉: no required phrase after turn 1"


def test_rubric_lint_exit_codes(capsys, tmp_path):
    assert run(capsys, "rubric", "lint", MINI)[0] == 0
    linty = tmp_path / "l.yaml"
    linty.write_text("id: l\nversion: 1\nrules:\n  - id: a\n    checker: phrase\n    why: w\n    phrases: [好, 好的]\n",
                     encoding="utf-8")
    code, out, _ = run(capsys, "rubric", "lint", str(linty))
    assert code == 1
    assert f"{linty}:7: warning redundant-phrase [a]: phrase '好的' contains '好' of the same rule" in out


def test_rubric_diff_json(capsys):
    code, out, _ = run(capsys, "rubric", "diff", MINI, str(DATA / "mini-v2.yaml"), "-f", "json")
    d = json.loads(out)
    assert code == 0 and d["added"] == ["ban.slang"] and d["removed"] == ["courtesy.apology"]
    assert list(d["changed"]["ban.refusal"]) == ["max_points", "phrases"]


def test_rubric_show_and_markdown(capsys):
    code, out, _ = run(capsys, "rubric", "show", MINI)
    assert code == 0 and "ban.refusal  — 推诿、拒绝性用语" in out and 'phrases: ["我不能", "办不了", "没办法"]' in out
    code, out, _ = run(capsys, "rubric", "show", MINI, "-f", "markdown")
    assert out.startswith("# 迷你客服规范") and "## 辱骂客户" in out and "Not like this: “你有病吧”" in out
    code, out, _ = run(capsys, "rubric", "show", MINI, "-f", "json")
    rules = json.loads(out)["rules"]
    assert rules[0]["options"]["phrases"] == ["我不能", "办不了", "没办法"] and rules[3]["options"]["window"] == 1


def test_rubric_list_uses_the_search_path(capsys, monkeypatch, tmp_path):
    (tmp_path / "broken.yaml").write_text("id: b\n", encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(Path(MINI).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("QA_RUBRIC_PATH", str(tmp_path))
    code, out, _ = run(capsys, "rubric", "list", "-f", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["mini"]["rules"] == 4 and rows["mini"]["version"] == "1.0.0"
    assert "missing required key 'version'" in rows["broken"]["error"]
    code, out, _ = run(capsys, "rubric", "show", "mini")  # a bare name resolves through the search path
    assert code == 0 and out.startswith("mini 1.0.0")


def test_unknown_rubric_is_a_usage_error(capsys):
    code, _, err = run(capsys, "rubric", "test", "no-such-rubric")
    assert code == 2 and err.startswith("Error: rubric 'no-such-rubric' not found")


def test_rubric_diff_against_a_git_revision(capsys, tmp_path):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git not installed")
    rubric = tmp_path / "r.yaml"
    rubric.write_text(Path(MINI).read_text(encoding="utf-8"), encoding="utf-8")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "r.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    rubric.write_text(Path(DATA / "mini-v2.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run(capsys, "rubric", "diff", f"{rubric}@HEAD", str(rubric), "-f", "json")
    d = json.loads(out)
    assert code == 0 and d["added"] == ["ban.slang"] and d["old"]["version"] == "1.0.0"
    code, _, err = run(capsys, "rubric", "diff", f"{rubric}@nosuchrev", str(rubric))
    assert code == 2 and f"cannot read {rubric} at revision 'nosuchrev'" in err

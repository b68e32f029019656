"""`qa score` against the mini rubric: the JSONL output contract and the exit codes 0/1/2."""

import json
from pathlib import Path

import pytest

from qa.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "engine"
MINI = str(DATA / "mini.yaml")
CHATS = str(DATA / "chats.jsonl")

RESULT_KEYS = {"conversation_id", "agent_id", "team", "channel", "rubric", "score", "max_score", "passed", "fatal",
               "sections", "findings", "not_applicable", "labels", "metrics"}
FINDING_KEYS = {"rule", "checker", "severity", "points", "tags", "turn", "span", "time", "evidence", "message"}


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_jsonl_contract(capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    code, _, err = run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", str(out))
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    results = [json.loads(x) for x in lines]
    assert [r["conversation_id"] for r in results] == ["good", "refusal", "abuse"]
    for r in results:
        assert RESULT_KEYS <= set(r)
        assert set(r["rubric"]) == {"id", "version", "hash"} and r["rubric"]["id"] == "mini"
        assert r["max_score"] == 100.0 and 0 <= r["score"] <= 100
        assert all({"score", "max"} <= set(s) for s in r["sections"].values())
        assert r["labels"]["complaint_types"] == [] and isinstance(r["metrics"], dict)
        for f in r["findings"]:
            assert FINDING_KEYS <= set(f)
    good, refusal, abuse = results
    assert (good["score"], good["passed"], good["findings"], good["not_applicable"]) == (100.0, True, [], [])
    [f] = refusal["findings"]
    assert f == {"rule": "ban.refusal", "checker": "phrase", "severity": "major", "points": 10.0, "tags": ["banned"],
                 "turn": 2, "span": [3, 6], "time": None, "evidence": "办不了", "message": "推诿、拒绝性用语: “办不了”",
                 "speaker": "A2"}
    # etiquette 60 loses 10, courtesy 40 intact; apology never triggered → N/A but greeting keeps courtesy applicable
    assert refusal["score"] == 90.0 and refusal["sections"]["etiquette"]["score"] == 50
    assert refusal["not_applicable"] == ["courtesy.apology"]
    assert abuse["fatal"] is True and abuse["score"] == 0.0 and not abuse["passed"]
    assert [(x["rule"], x["turn"]) for x in abuse["findings"]] == [
        ("courtesy.greeting", 0), ("courtesy.apology", 2), ("ban.abuse", 2)]


def test_gate_exit_codes(capsys, tmp_path):
    o = str(tmp_path / "o.jsonl")
    assert run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", o, "--fail-under", "60")[0] == 0
    code, _, err = run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", o, "--fail-under", "70")
    assert code == 1 and "mean score 63.33 is under --fail-under 70" in err
    code, _, err = run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", o, "--fail-on", "critical")
    assert code == 1 and "1 finding(s) of severity critical or worse" in err
    code, _, err = run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", o, "--fail-on", "major")
    assert code == 1 and "2 finding(s) of severity major or worse" in err


def test_usage_errors_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: b\nversion: 1\nrules:\n  - id: a\n    checker: phrase\n    phrase: [x]\n", encoding="utf-8")
    code, _, err = run(capsys, "score", CHATS, "-r", str(bad), "-f", "jsonl")
    assert code == 2 and err.strip() == (f"Error: {bad}:6 [rules[0] (a).phrase]: unknown key 'phrase' — "
                                         "did you mean 'phrases'?")
    code, _, err = run(capsys, "score", CHATS, "-f", "jsonl")
    assert code == 2 and "no rubric given" in err
    code, _, err = run(capsys, "score", CHATS, "-r", MINI, "--fail-on", "fatal")
    assert code == 2 and "'fatal' is not one of" in err


def test_every_result_and_finding_key_is_documented_in_format_md(capsys, tmp_path):
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "format.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Score results"):]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    out = tmp_path / "r.jsonl"
    run(capsys, "score", CHATS, "-r", MINI, "-f", "jsonl", "-o", str(out))
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    keys = {k for r in results for k in r} | {k for r in results for f in r["findings"] for k in f}
    assert keys - documented == set()

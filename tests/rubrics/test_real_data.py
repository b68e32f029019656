"""The shipped rubrics on real agent language (../shared/data, research-only, read in place).

The numbers are what rubric tuning measured (tools/rule_hits.py; the report on issue 4). The corpora are read
by qa's own readers, as `qa ingest` reads them (JDDC with corpora/mappings/jddc.yaml). The bands are
there so that a change to a rubric or a checker that floods a rule with false alarms, or silences it,
fails here and sends the tuner back to read findings. Only the JDDC sessions not reserved for measurement
are scored (../shared/data/README.md).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# findings per rule on the 545 JDDC sessions not reserved for measurement, rubric 2.0.0: (low, high) around
# the measured count. The reserved sessions (../shared/data/jddc-chat-sample/RESERVED.txt) are never scored here.
JDDC_BANDS = {
    "courtesy.greeting": (150, 210),      # measured 181 (many sessions of the 0.1% cut start mid-stream)
    "courtesy.closing": (18, 32),         # 28
    "courtesy.hold.ask": (8, 20),         # 14: owed where the agent announces a look-up (signal.lookup)
    "courtesy.apology": (125, 180),       # 152: owed by a complaint finding or a chase after a wait; complaints-zh
                                          # 2.0.0 finds the complaints that owe it (71 with 1.0.0; devset apology
                                          # balanced accuracy train 0.62 -> 0.86, test 0.60 -> 0.70)
    "ban.filler": (10, 22),               # 16
    "norm.repeat_back": (4, 11),          # 8
    "norm.follow_up_promise": (2, 8),     # 4
    "ban.blame": (3, 12),                 # 7: customers told to sort it out with the courier or the seller (its
                                          # precision is a qa eval figure on the devset; this band catches a flood)
}
# rules that must stay (nearly) silent on this sample
JDDC_QUIET = {"ban.abuse": 0, "ban.vague": 0, "ban.pressure": 0, "norm.polite_repeat": 0, "norm.beyond_authority": 1,
              "ban.argue": 1, "ban.why": 1, "ban.over_promise": 2, "ban.brush_off": 1}


def _tool(name):
    """Import a module from tools/ (tuning helpers live there, outside the package)."""
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def jddc_scored():
    shared = Path(os.environ.get("QA_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = shared / "jddc-chat-sample" / "chat_0.1per.txt"
    if not path.is_file():
        pytest.skip(f"JDDC sample not found at {path}")
    rh = _tool("rule_hits")
    return rh.score_all(ROOT / "rubrics" / "zh-customer-service.yaml", rh.jddc(shared))


def _own_rule_ids(name):
    """Rules the shipped file defines itself (timing and complaint rules come in through extends)."""
    from qa import load_rubric

    path = str(ROOT / "rubrics" / name)
    return {r.id for r in load_rubric(path).rules if r.origin and r.origin.startswith(path)}


def _load_zh():
    from qa import load_rubric

    return load_rubric(str(ROOT / "rubrics" / "zh-customer-service.yaml"))


def _counts(scored):
    n = {}
    for _, res in scored:
        for f in res["findings"]:
            n[f["rule"]] = n.get(f["rule"], 0) + 1
    return n


def test_jddc_every_session_scored_with_the_contract(shared_data, jddc_scored):
    assert len(jddc_scored) == 545
    assert len({conv.id for conv, _ in jddc_scored}) == 545
    own = _own_rule_ids("zh-customer-service.yaml")
    for conv, res in jddc_scored:
        assert res["rubric"]["id"] == "zh-customer-service" and res["rubric"]["hash"].startswith("sha256:")
        assert 0 <= res["score"] <= 100 and res.get("errors") is None
        for f in res["findings"]:
            assert 0 <= f["turn"] < len(conv.turns)
            if f["span"] is not None:
                s, e = f["span"]
                assert conv.turns[f["turn"]].text[s:e] == f["evidence"]
                if f["rule"] in own:
                    assert conv.turns[f["turn"]].role == "agent"


@pytest.mark.parametrize("rule", sorted(JDDC_BANDS))
def test_jddc_findings_per_rule_stay_in_the_measured_band(shared_data, jddc_scored, rule):
    lo, hi = JDDC_BANDS[rule]
    n = _counts(jddc_scored).get(rule, 0)
    assert lo <= n <= hi, f"{rule}: {n} findings on JDDC, measured band [{lo}, {hi}] — re-read findings"


def test_jddc_quiet_rules_stay_quiet(shared_data, jddc_scored):
    counts = _counts(jddc_scored)
    for rule, most in JDDC_QUIET.items():
        assert counts.get(rule, 0) <= most, rule


def test_seretod_greeting_agrees_with_gold_intents(shared_data):
    path = shared_data / "seretod-mobilecs-example" / "example.json"
    if not path.is_file():
        pytest.skip("SereTOD example not present")
    rh = _tool("rule_hits")
    stats = rh.greeting_agreement(ROOT / "rubrics" / "zh-customer-service.yaml", rh.seretod(shared_data))
    g = stats["courtesy.greeting"]
    assert g["scope"]["n"] == 20 and g["scope"]["tp"] == 12
    # SereTOD's intents are not docs/labelling.md: an offer of help among the first two agent turns (还有其他可以帮到您的吗)
    # is a greeting there (one such turn, intent 引导), and 不客气 alone (客气嗯好的, intent 客套) is not a closing
    assert g["scope"]["precision"] >= 0.9 and g["scope"]["recall"] == 1.0
    assert g["all"]["recall"] == 1.0 and g["all"]["precision"] >= 0.65
    assert stats["courtesy.closing"]["scope"]["recall"] >= 0.8


def test_seretod_calls_greeted_and_fillers_not_judged_on_calls(shared_data):
    path = shared_data / "seretod-mobilecs-example" / "example.json"
    if not path.is_file():
        pytest.skip("SereTOD example not present")
    rh = _tool("rule_hits")
    scored = rh.score_all(ROOT / "rubrics" / "zh-customer-service.yaml", rh.seretod(shared_data))
    assert len(scored) == 10
    for _, res in scored:
        assert "ban.filler" in res["not_applicable"]
        assert not [f for f in res["findings"] if f["rule"] == "courtesy.greeting"]
    # none of the ten China Mobile agents names themselves (the IVR announces them): reported, not deducted
    intro = [f for _, res in scored for f in res["findings"] if f["rule"] == "courtesy.introduce"]
    assert len(intro) == 10 and all(f["points"] == 0 for f in intro)


def test_harper_valley_calls_pass_the_en_rubric(shared_data):
    folder = shared_data / "harper-valley-bank"
    if not (folder / "transcript").is_dir():
        pytest.skip("Harper Valley Bank sample not present")
    rh = _tool("rule_hits")
    scored = rh.score_all(ROOT / "rubrics" / "en-customer-service.yaml", rh.hvb(shared_data))
    assert [c.id for c, _ in scored] == ["0002f70f7386445b", "004860b1ab2e4c88", "00d676d7058c49bb"]
    own = _own_rule_ids("en-customer-service.yaml")
    for conv, res in scored:
        mine = [f for f in res["findings"] if f["rule"] in own]
        assert mine == [], (conv.id, mine)
        assert res["passed"]
        assert res["sections"]["etiquette"]["score"] == res["sections"]["etiquette"]["max"] == 25
        # greeting and closing were judged (applicable) and met; call-only hold rule applies to calls
        assert "courtesy.greeting" not in res["not_applicable"]
        assert "courtesy.closing" not in res["not_applicable"]
        assert "ban.filler" in res["not_applicable"]


def test_harper_valley_call_with_the_closing_cut_is_caught(shared_data):
    folder = shared_data / "harper-valley-bank"
    if not (folder / "transcript").is_dir():
        pytest.skip("Harper Valley Bank sample not present")
    rh = _tool("rule_hits")
    conv = rh.hvb(shared_data)[0]
    agent_turns = [i for i, t in enumerate(conv.turns) if t.role == "agent"]
    conv.turns = conv.turns[: agent_turns[-2]]  # hang up before "anything else" / "thank you for calling"
    [(_, res)] = rh.score_all(ROOT / "rubrics" / "en-customer-service.yaml", [conv])
    own = _own_rule_ids("en-customer-service.yaml")
    assert [f["rule"] for f in res["findings"] if f["rule"] in own] == ["courtesy.closing"]
    assert res["sections"]["etiquette"]["score"] == 20.0


def test_abcd_chats_on_the_en_rubric(shared_data):
    """Three role-played support chats: courteous agents, one escalation promised without a time."""
    path = shared_data / "abcd-sample" / "abcd_sample.json"
    if not path.is_file():
        pytest.skip("ABCD sample not present")
    rh = _tool("rule_hits")
    scored = rh.score_all(ROOT / "rubrics" / "en-customer-service.yaml", rh.abcd(shared_data))
    own = _own_rule_ids("en-customer-service.yaml")
    found = {conv.id: [(f["rule"], f["turn"]) for f in res["findings"] if f["rule"] in own] for conv, res in scored}
    # 3592: "I can escalate to my manager" — the manager's call is promised later, but never when (turn 19 as
    # the abcd reader numbers the turns: its action rows are turns too)
    assert found == {"3592": [("norm.follow_up_promise", 19)], "9489": [], "3695": []}
    assert by_id_text(scored, "3592", 19).startswith("I can escalate to my manager")
    by_id = {conv.id: res for conv, res in scored}
    # 3695 says "let me check that." and then "one moment please": a hold asked around the look-up counts
    assert "courtesy.hold.ask" not in by_id["3695"]["not_applicable"]
    assert all("courtesy.greeting" not in res["not_applicable"] for res in by_id.values())


def by_id_text(scored, cid: str, turn: int) -> str:
    return next(conv for conv, _ in scored if conv.id == cid).turns[turn].text


def test_jddc_through_the_shipped_mapping_and_cli_matches_the_tuning_numbers(shared_data, jddc_scored, tmp_path):
    """What a user runs (qa ingest with corpora/mappings/jddc.yaml, then qa score) finds what tuning measured."""
    import json
    import subprocess

    src = shared_data / "jddc-chat-sample" / "chat_0.1per.txt"
    conv_file, out = tmp_path / "jddc.jsonl", tmp_path / "scores.jsonl"
    run = [sys.executable, "-m", "qa"]
    subprocess.run([*run, "ingest", str(src), "--mapping", str(ROOT / "corpora" / "mappings" / "jddc.yaml"),
                    "-o", str(conv_file)], check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*run, "score", str(conv_file), "--rubric", str(ROOT / "rubrics" / "zh-customer-service.yaml"),
                    "-f", "jsonl", "-o", str(out)], check=True, capture_output=True, cwd=ROOT)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 994
    assert {"conversation_id", "rubric", "score", "passed", "findings", "not_applicable"} <= set(lines[0])
    reserved = set((src.parent / "RESERVED.txt").read_text(encoding="utf-8").split())
    cli_counts = {}
    for res in (r for r in lines if r["conversation_id"] not in reserved):
        for f in res["findings"]:
            cli_counts[f["rule"]] = cli_counts.get(f["rule"], 0) + 1
    assert cli_counts == _counts(jddc_scored)

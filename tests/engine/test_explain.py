import io
import json
from pathlib import Path

import pytest

from qa import compile_rubric, explain_conversation, load_rubric
from qa.cli import main
from qa.cli.explain import render
from qa.model import Conversation, Turn

DATA = Path(__file__).resolve().parents[1] / "data" / "engine"
MINI = str(DATA / "mini.yaml")
CHATS = str(DATA / "chats.jsonl")


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def _explained():
    conv = Conversation("x", [Turn("agent", "请讲", start=0.0), Turn("customer", "太慢了", start=3.0),
                              Turn("agent", "抱歉，这个我办不了，你有病吧", start=7.5)])
    return explain_conversation(conv, compile_rubric(load_rubric(MINI)))


def test_explain_data_lays_out_turns_findings_and_rule_verdicts():
    d = _explained()
    assert [(t["turn"], t["time"], t["findings"]) for t in d["transcript"]] == [(0, 0.0, [0]), (1, 3.0, []),
                                                                                 (2, 7.5, [1, 2])]
    assert [(f["rule"], f["span"], f["why"]) for f in d["findings"][1:]] == [
        ("ban.refusal", [6, 9], '不说"我不能、办不了"，应给出替代方案'), ("ban.abuse", [10, 14], "任何情况下不得辱骂客户（一票否决）")]
    assert {r["rule"]: (r["status"], r.get("deducted")) for r in d["rules"]} == {
        "ban.refusal": ("failed", 10.0), "ban.abuse": ("failed", 60.0), "courtesy.greeting": ("failed", 10.0),
        "courtesy.apology": ("passed", None)}


def test_not_applicable_rules_carry_their_reason():
    d = explain_conversation(Conversation("y", [Turn("agent", "您好")]), compile_rubric(load_rubric(MINI)))
    [na] = [r for r in d["rules"] if r["status"] == "not_applicable"]
    assert na == {"rule": "courtesy.apology", "title": "客户不满时致歉", "severity": "minor", "why": "客户抱怨后要先致歉",
                  "status": "not_applicable", "reason": "the trigger never occurred"}


def test_render_highlights_each_span_in_place():
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=120, record=True,
                      highlight=False)
    render(_explained(), console)
    ansi = console.export_text(styles=True, clear=False)
    plain = console.export_text()
    # the abuse evidence is styled as critical (white on red), the refusal as major (magenta), in the turn's text
    assert "\x1b[1;37;41m你有病吧\x1b[0m" in ansi and "\x1b[1;35m办不了\x1b[0m" in ansi
    assert "  3 00:07.5 agent    抱歉，这个我办不了，你有病吧" in plain
    assert "▲ ban.abuse (critical, −60): 辱骂客户: “你有病吧”" in plain
    assert "✓ courtesy.apology — 客户不满时致歉" in plain


def test_cli_json_and_unknown_id(capsys):
    code, out, _ = run(capsys, "explain", CHATS, "-r", MINI, "--conversation", "refusal", "-f", "json")
    d = json.loads(out)
    assert code == 0 and d["conversation_id"] == "refusal" and d["transcript"][2]["findings"] == [0]
    code, _, err = run(capsys, "explain", CHATS, "-r", MINI, "--conversation", "refusl")
    assert code == 2 and "no conversation with id 'refusl' — did you mean 'refusal'?" in err


def test_render_shows_labels_and_metrics():
    from rich.console import Console

    d = _explained()
    d["metrics"] = {"first_response_s": 3.0, "talk_ratio_agent": 0.8844}
    d["labels"] = {"complaint_types": ["logistics", "refund"]}
    console = Console(file=io.StringIO(), width=200, record=True)
    render(d, console)
    plain = console.export_text()
    assert "Labels  complaint_types: logistics/refund" in plain
    assert "Metrics first_response_s 3, talk_ratio_agent 0.8844" in plain


def test_info_rule_findings_are_observed_not_broken(run_qa):
    root = Path(__file__).resolve().parents[2]
    sample = root / "corpora" / "zh-chat-timed" / "sample.jsonl"
    code, out, err = run_qa("explain", sample, "-r", "zh-customer-service", "-c", "zct-0085", "-f", "json")
    assert code == 0, err
    rows = {r["rule"]: r for r in json.loads(out)["rules"]}
    assert rows["complaint.types"]["status"] == "observed" and rows["complaint.types"]["findings"] == 1
    assert rows["courtesy.apology"]["status"] == "failed" and rows["courtesy.apology"]["deducted"] == 5
    code, out, err = run_qa("explain", sample, "-r", "zh-customer-service", "-c", "zct-0085")
    broken = out.split("Rules broken")[1].split("Observed")[0]
    assert "complaint.types" not in broken and "courtesy.apology" in broken
    assert "Observed (info rules, no points)" in out


def test_render_says_what_made_a_missing_courtesy_owed():
    from rich.console import Console

    conv = Conversation("z", [Turn("agent", "您好"), Turn("customer", "你们太慢了，我要投诉"), Turn("agent", "订单号多少")])
    console = Console(file=io.StringIO(), width=120, record=True)
    render(explain_conversation(conv, compile_rubric(load_rubric(MINI))), console)
    plain = console.export_text()
    assert "  3 agent    订单号多少\n      ▲ courtesy.apology" in plain
    assert "        owed after turn 2 «太慢»" in plain

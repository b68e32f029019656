"""The scorecard, report, history, review and calibrate commands end to end on hand-built results."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from tests.results.results_factory import finding, month, result


def test_scorecard_json_csv_xlsx(run_qa, write_jsonl, tmp_path):
    res = write_jsonl("r.jsonl", month())
    code, out, err = run_qa("scorecard", res, "--period", "month", "--min-conversations", "2", "-f", "json")
    assert code == 0, err
    rows = {r["agent"]: r for r in json.loads(out)["rows"]}
    assert rows["A1"]["conversations"] == 4 and rows["A1"]["pass_rate"] == 0.75
    assert rows["A1"]["mean_score"] == 97.5 and rows["A1"]["findings_per_100_by_rule"] == {"ban.refusal": 50.0}
    assert rows["A1"]["rank"] == 1 and rows["A2"]["low_volume"] is True and rows["A2"]["rank"] is None

    csv_path = tmp_path / "sc.csv"
    code, _, err = run_qa("scorecard", res, "-o", csv_path)
    assert code == 0, err
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text

    xlsx = tmp_path / "sc.xlsx"
    code, _, err = run_qa("scorecard", res, "-f", "xlsx", "-o", xlsx)
    assert code == 0, err
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["agents", "rules", "complaint types", "conversations"]
    agents = wb["agents"]
    assert agents.freeze_panes == "A2"
    header = [c.value for c in agents[1]]
    col = header.index("pass_rate") + 1
    a1 = next(r for r in agents.iter_rows(min_row=2) if r[0].value == "A1")
    assert a1[col - 1].value == 0.75 and a1[col - 1].number_format == "0.0%"
    assert wb["conversations"].max_row == 7
    assert any(str(c.value).startswith("'=HYPERLINK") for row in wb["conversations"].iter_rows() for c in row)


def test_scorecard_gate_and_usage_errors(run_qa, write_jsonl):
    res = write_jsonl("r.jsonl", month())
    code, _, err = run_qa("scorecard", res, "--by", "team", "--fail-under-pass-rate", "0.9", "-f", "json")
    assert code == 1 and "quality gate failed: T1 2026-11 pass rate 83.3% < 90.0%" in err
    assert run_qa("scorecard", res, "--by", "team", "--fail-under-pass-rate", "0.8", "-f", "json")[0] == 0
    code, _, err = run_qa("scorecard", res, "--since", "last week")
    assert code == 2 and "--since expects a date" in err
    conv_file = write_jsonl("convs.jsonl", [{"id": "x", "turns": []}])
    code, _, err = run_qa("scorecard", conv_file)
    assert code == 2 and "convs.jsonl:1" in err and "not a score result" in err
    code, _, err = run_qa("scorecard")
    assert code == 2 and "no results given" in err


def test_calibrate_hand_checked(run_qa, write_jsonl, tmp_path):
    rs = [result("c1", score=95, findings=[finding("ban.refusal")]),
          result("c2", score=100, passed=True),
          result("c3", score=90, passed=False, findings=[finding("ban.refusal")]),
          result("c4", score=100, passed=False)]
    res = write_jsonl("r.jsonl", rs)
    human = tmp_path / "human.csv"
    human.write_text("\ufeffconversation_id,rule,violated,score,passed\n"
                     "c1,,,90,pass\nc2,,,70,fail\nc3,,,,fail\nc4,,,,否\n"
                     "c1,ban.refusal,yes,,\nc2,ban.refusal,是,,\nc3,ban.refusal,no,,\nc4,ban.refusal,0,,\n"
                     "c9,,,50,\n", encoding="utf-8")
    code, out, err = run_qa("calibrate", res, human, "-f", "json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["pass_fail"]["n"] == 4 and rep["pass_fail"]["kappa"] == 0.5      # po .75, pe .5
    assert rep["scores"]["mae"] == 17.5 and rep["missing"] == ["c9"]
    rule = rep["rules"][0]
    assert (rule["tp"], rule["fp"], rule["fn"], rule["tn"]) == (1, 1, 1, 1)
    assert rule["precision"] == 0.5 and rule["recall"] == 0.5 and len(rule["advice"]) == 2
    assert rule["false_alarms"] == ["c3"] and rule["misses"] == ["c2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("conversation_id,passed\nc1,maybe\n", encoding="utf-8")
    code, _, err = run_qa("calibrate", res, bad)
    assert code == 2 and "bad.csv:2 [passed]" in err


def test_junit_one_testcase_per_conversation():
    import io

    from qa.reporters.junit import JunitReporter

    rs = month()
    rs[3]["fatal"], rs[3]["passed"] = True, False
    rs[3]["findings"] = [finding("ban.abuse", severity="critical", message="辱骂\x07客户")]
    buf = io.StringIO()
    JunitReporter().write_results(iter(rs), buf, {"rubric_label": "zh 1.0"})
    root = ET.fromstring(buf.getvalue().encode())
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [f"c{k}" for k in range(6)]
    assert root.get("tests") == "6" and root.get("failures") == "2"
    fatal = root.find(".//testcase[@name='c3']/failure")
    assert fatal.get("type") == "fatal" and "ban.abuse" in fatal.text and "辱骂\ufffd客户" in fatal.text


def test_report_command_reads_transcripts(run_qa, write_jsonl, tmp_path):
    rs = month()
    convs = write_jsonl("convs.jsonl", [{"id": r["conversation_id"], "agent_id": r["agent_id"], "turns": [
        {"role": "customer", "text": "怎么还没到"}, {"role": "agent", "text": "没办法 <i>查</i>"}]} for r in rs])
    for r in rs:
        r["source"] = f"{convs}:1"
    res = write_jsonl("r.jsonl", rs)
    out = tmp_path / "report.html"
    code, _, err = run_qa("report", res, "-o", out)       # transcripts found through each result's source
    assert code == 0, err
    assert "6 with transcript" in err
    html = out.read_text(encoding="utf-8")
    assert '<mark class="minor" data-rules="ban.refusal "' in html and "没办法 &lt;i&gt;查&lt;/i&gt;" in html
    code, _, err = run_qa("report", "-o", out)
    assert code == 2 and "no results given" in err


def test_rubric_pass_rate_floor_flags_without_failing(run_qa, write_jsonl, tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text("id: r\nversion: '1'\nscorecard: {pass_rate_floor: 0.9, min_conversations: 1}\n"
                      "rules:\n  - {id: ban.refusal, checker: phrase, title: t, phrases: [没办法]}\n", encoding="utf-8")
    res = write_jsonl("r.jsonl", month())
    code, out, err = run_qa("scorecard", res, "--by", "team", "--rubric", rubric, "-f", "json")
    assert code == 0 and "under the pass-rate floor: T1 2026-11 pass rate 83.3% < 90.0%" in err
    assert json.loads(out)["rows"][0]["below_floor"] is True


def test_score_writes_html_and_junit_directly(run_qa, write_jsonl, tmp_path):
    convs = write_jsonl("chats.jsonl", [
        {"id": "z1", "agent_id": "A1", "team": "一组", "turns": [
            {"role": "customer", "text": "我要改地址"}, {"role": "agent", "text": "这个我办不了<img src=x>"}]},
        {"id": "z2", "agent_id": "A2", "team": "一组", "turns": [
            {"role": "customer", "text": "在吗"},
            {"role": "agent", "text": "您好，很高兴为您服务，请问有什么可以帮您？"},
            {"role": "agent", "text": "还有其他可以帮到您的吗？感谢您的咨询，再见"}]}])
    html = tmp_path / "s.html"
    code, _, err = run_qa("score", convs, "-r", "zh-customer-service", "-f", "html", "-o", html)
    assert code in (0, 1), err
    text = html.read_text(encoding="utf-8")
    # the refusal is marked in place, the markup after it stays text
    assert re.search(r'<mark [^>]*data-rules="[^"]*ban\.refusal [^"]*"[^>]*>办不了</mark>&lt;img src=x&gt;', text)
    assert "<img src=x>" not in text and text.count('class="turn') == 5     # both transcripts, from source
    xml = tmp_path / "s.xml"
    code, _, err = run_qa("score", convs, "-r", "zh-customer-service", "-f", "junit", "-o", xml)
    root = ET.parse(xml).getroot()
    assert [c.get("name") for c in root.iter("testcase")] == ["z1", "z2"]
    res = tmp_path / "s.jsonl"
    run_qa("score", convs, "-r", "zh-customer-service", "-f", "jsonl", "-o", res)
    passed = {r["conversation_id"]: r["passed"] for r in map(json.loads, res.read_text(encoding="utf-8").splitlines())}
    assert {c.get("name"): c.find("failure") is None for c in root.iter("testcase")} == passed


def test_malformed_results_name_file_line_and_field(run_qa, tmp_path):
    good = json.dumps(result("ok"), ensure_ascii=False)
    cases = {
        "findings[0]": {**result("x"), "findings": ["ban.refusal"]},
        "labels": {**result("x"), "labels": ["服务态度"]},
        "score": {**result("x"), "score": "95"},
    }
    for fld, bad in cases.items():
        p = tmp_path / "bad.jsonl"
        p.write_text(good + "\n\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
        code, _, err = run_qa("scorecard", p, "-f", "json")
        assert code == 2 and f"bad.jsonl:3 [{fld}]" in err, err
    p.write_text(good + "\n{not json\n", encoding="utf-8")
    code, _, err = run_qa("scorecard", p, "-f", "json")
    assert code == 2 and "bad.jsonl:2" in err and "invalid JSON" in err

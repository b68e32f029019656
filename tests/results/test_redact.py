"""--redact: phone numbers, ID-card numbers, bank cards and e-mails (Chinese and English formats) never
reach outputs; ordinary numbers (order numbers, prices, dates) stay readable."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.results.redact import find_pii, luhn_ok, redact_result, redact_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, expected", [
    ("我的手机是13800138000，谢谢", "我的手机是[PHONE]，谢谢"),
    ("电话 +86 138-0013-8000 找我", "电话 [PHONE] 找我"),
    ("手机１３９１２３４５６７８", "手机[PHONE]"),                      # full-width digits
    ("座机010-12345678转分机", "座机[PHONE]转分机"),
    ("(0755) 8888 6666", "[PHONE]"),
    ("call me at (415) 555-0132 tomorrow", "call me at [PHONE] tomorrow"),
    ("+1 415 555 0132", "[PHONE]"),
    ("UK office +44 20 7946 0958", "UK office [PHONE]"),
    ("身份证号110105194912310021", "身份证号[ID]"),
    ("身份证11010519491231002X。", "身份证[ID]。"),
    ("老身份证 110105491231002", "老身份证 [ID]"),
    ("SSN 123-45-6789", "SSN [ID]"),
    ("卡号6222 0212 3456 7897", "卡号[CARD]"),
    ("card 4111111111111111 exp 12/29", "card [CARD] exp 12/29"),
    ("卡号 6212-2602-0001-2345-678", "卡号 [CARD]"),
    ("邮箱 zhang.san@example.com.cn 收", "邮箱 [EMAIL] 收"),
    ("mail JOHN_doe+qa@mail.example.org", "mail [EMAIL]"),
])
def test_pii_formats_are_redacted(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "订单号123456789012，金额1999元", "order 4111111111111112 (not a card: Luhn fails)", "2026-11-24 12:30 送达",
    "订单[订单x] 电话[电话x]", "共20件，运费12元", "version 1.2.3", "评分 4.5/5", "工号 A031",
])
def test_ordinary_numbers_stay(text):
    assert redact_text(text) == text


def test_luhn():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_spans_are_non_overlapping_and_ordered():
    spans = find_pii("13800138000 and a@b.co and 4111111111111111")
    assert [k for _, _, k in spans] == ["PHONE", "EMAIL", "CARD"]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_redact_result_covers_evidence_messages_extra_and_metadata():
    r = {"findings": [{"evidence": "打13800138000", "message": "PII 13800138000 read back",
                       "extra": {"said": ["a@b.co"]}}], "metadata": {"customer_phone": "13800138000"}}
    redact_result(r)
    assert "13800138000" not in json.dumps(r) and "a@b.co" not in json.dumps(r)
    assert r["findings"][0]["evidence"] == "打[PHONE]"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_redact_removes_pii_from_results_and_rejects(tmp_path, jobs):
    rubric = tmp_path / "pii.yaml"
    rubric.write_text("""\
id: pii
version: "1"
language: zh
rules:
  - id: pii.readback
    checker: phrase
    severity: major
    scope: {role: agent}
    phrases: [您的手机号是]
    message: "PII read back: {evidence}"
""", encoding="utf-8")
    convs = [
        {"id": "c1", "metadata": {"phone": "13800138000", "email": "li.lei@example.cn"},
         "turns": [{"role": "agent", "text": "您的手机号是13800138000对吗"}]},
        {"id": "c2", "turns": [{"role": "customer", "text": "卡号6222 0212 3456 7897"}], "bogus": 1},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in convs), encoding="utf-8")
    outs = {}
    for flag in ([], ["--redact"]):
        out, rej = tmp_path / f"o{len(flag)}.jsonl", tmp_path / f"r{len(flag)}.jsonl"
        r = subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", str(rubric), "-o", str(out),
                            "--rejects", str(rej), "--jobs", jobs, *flag], capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        outs[bool(flag)] = (out.read_text(encoding="utf-8"), rej.read_text(encoding="utf-8"))
    plain, redacted = outs[False], outs[True]
    assert "13800138000" in plain[0] and "6222 0212 3456 7897" in plain[1]  # the test data really has PII
    for text in redacted:
        for secret in ("13800138000", "li.lei@example.cn", "6222 0212 3456 7897"):
            assert secret not in text
    result = json.loads(redacted[0].splitlines()[0])
    assert result["metadata"] == {"phone": "[PHONE]", "email": "[EMAIL]"}
    assert result["findings"][0]["span"] == [0, 6]  # spans still point into the transcript
    assert "[CARD]" in json.loads(redacted[1].splitlines()[0])["raw"]

"""The HTML report: self-contained, escaped, highlighted in place; checked in a real headless Chromium."""

from __future__ import annotations

import re

import pytest

from qa.reporters.html_report import render_report, segments
from tests.results.results_factory import finding, result

HOSTILE_TEXT = '没办法，<script>window.PWNED=1</script><img src=x onerror="window.PWNED=2">'
HOSTILE_AGENT = '"><svg onload=window.PWNED=3>'


def _data():
    bad = result("c-<script>", agent=HOSTILE_AGENT, team="售后一组", score=55.0, passed=False,
                 findings=[finding("ban.refusal", turn=1, span=(0, 3), evidence="没办法", severity="major",
                                   message="推诿：<b>没办法</b>"),
                           finding("ban.script", turn=1, span=(4, 12), evidence="<script>", severity="minor"),
                           finding("timing.first_response", turn=None, span=None, tags=["timing.first_response"],
                                   message="首次响应 40 秒 > 15 秒")],
                 complaints=["服务态度"], metrics={"first_response_s": 40.0, "handle_time_s": 300.0},
                 started="2026-11-03T09:00:00+08:00")
    ok = [result(f"ok-{k}", agent=f"A{k % 3}", team="售后二组" if k % 2 else "售后一组", score=80.0 + k,
                 started=f"2026-11-{k + 1:02d}T10:00:00+08:00", findings=[finding("courtesy.closing", turn=2)])
          for k in range(9)]
    conversations = {"c-<script>": {"turns": [
        {"role": "customer", "text": "我的快递怎么还没到 <img src=x onerror=alert(1)>", "ts": "2026-11-03T09:00:00+08:00"},
        {"role": "agent", "text": HOSTILE_TEXT, "ts": "2026-11-03T09:00:40+08:00", "speaker": HOSTILE_AGENT}]}}
    for k in range(9):
        conversations[f"ok-{k}"] = {"turns": [{"role": "agent", "text": "您好"}, {"role": "customer", "text": "查快递"},
                                              {"role": "agent", "text": "好的"}]}
    return [bad, *ok], conversations


def test_segments_cut_at_every_boundary_with_overlaps():
    assert segments("abcdef", [(1, 4, 0), (3, 5, 1)]) == [("a", []), ("bc", [0]), ("d", [0, 1]), ("e", [1]),
                                                          ("f", [])]
    assert segments("abc", [(2, 99, 0), (-5, 0, 1)]) == [("ab", []), ("c", [0])]
    assert segments("", []) == [("", [])]


def test_report_is_self_contained_and_escaped(tmp_path):
    results, convs = _data()
    html = render_report(results, convs, title="夜间质检 <b>")
    assert "<script>window.PWNED" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;script&gt;</mark>window.PWNED=1&lt;/script&gt;" in html   # "<script>" is itself marked
    assert "夜间质检 &lt;b&gt;" in html
    assert len(re.findall(r"<script\b", html)) == 1                  # only the report's own, nonce'd
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from anywhere
    assert html.count("<svg") >= 4                                    # the four charts, inline
    # the refusal is highlighted in place, in the agent's turn
    assert re.search(r'<mark class="major" data-rules="ban.refusal "[^>]*>没办法</mark>', html)
    assert "首次响应 40 秒 &gt; 15 秒" in html


def test_report_without_transcripts_still_lists_findings():
    results, _ = _data()
    html = render_report(results, None)
    assert "Transcript not available" in html and "推诿：&lt;b&gt;没办法&lt;/b&gt;" in html


@pytest.mark.slow
@pytest.mark.browser
def test_report_in_headless_chromium(tmp_path):
    pytest.importorskip("websocket", reason="websocket-client is needed to drive Chromium")
    from tests.reporters.cdp import Browser, find_chromium, open_page

    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    results, convs = _data()
    page = tmp_path / "report.html"
    page.write_text(render_report(results, convs), encoding="utf-8")
    profile = tmp_path / "profile"
    profile.mkdir()
    browser = Browser(exe, profile)
    try:
        open_page(browser, page)
        assert browser.eval("document.querySelectorAll('.chart svg').length") == 4
        assert browser.eval("document.querySelectorAll('#agents tbody tr').length") == 4
        assert browser.eval("document.getElementById('kpi-n').textContent") == "10"
        # sortable: clicking "mean score" twice puts the best agent on top
        browser.click("#agents thead th:nth-child(4)")
        browser.click("#agents thead th:nth-child(4)")
        top = browser.eval("document.querySelector('#agents tbody tr td').textContent")
        means = browser.eval("[...document.querySelectorAll('#agents tbody tr td:nth-child(4)')]"
                             ".map(td => parseFloat(td.textContent))")
        assert means == sorted(means, reverse=True) and top != HOSTILE_AGENT
        # drill-down: the worst conversation is first; a real mouse click opens it
        assert browser.eval("document.getElementById('conv-1').hidden") is True
        browser.click("a.drill[data-target='conv-1']")
        assert browser.eval("document.getElementById('conv-1').hidden") is False
        assert browser.eval("document.getElementById('conv-2').hidden") is True
        text = browser.eval("document.getElementById('conv-1').textContent")
        assert "<script>window.PWNED=1</script>" in text and 'onerror="window.PWNED=2"' in text
        assert browser.eval("[...document.querySelectorAll('#conv-1 mark')].map(m => m.textContent)")[0] == "没办法"
        # the hostile markup stayed text
        assert browser.eval("typeof window.PWNED") == "undefined"
        assert browser.eval("document.querySelectorAll('img, #drilldowns script, svg[onload]').length") == 0
        shot = tmp_path / "report.png"
        browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
        assert browser.errors() == []
    finally:
        browser.close()



def test_redacted_report_hides_personal_data_and_keeps_highlights():
    from qa.reporters.html_report import redacted_pieces

    text = "没办法，请拨打13800138000或发邮件a.b@example.com"
    pieces = redacted_pieces(text, [(0, 3, 0), (7, 12, 1)])      # the second finding overlaps the phone number
    assert "".join(p for p, _ in pieces) == "没办法，请拨打[PHONE]或发邮件[EMAIL]"
    assert pieces[0] == ("没办法", [0]) and ("[PHONE]", [1]) in pieces
    r = result("p1", findings=[finding("ban.refusal", turn=0, span=(0, 3), evidence="13800138000")])
    html = render_report([r], {"p1": {"turns": [{"role": "agent", "text": text}]}}, redact=True)
    assert "13800138000" not in html and "example.com" not in html and "[PHONE]" in html
    assert re.search(r"<mark [^>]*>没办法</mark>", html)

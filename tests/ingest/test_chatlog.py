"""Plain-text chat logs: line shapes, continuation lines, separators, dates, roles, custom patterns."""

import pytest


def test_dated_lines_separators_and_continuations(data_dir, read_all):
    convs, rejects, _ = read_all(data_dir / "chatlog.txt")
    assert rejects == []
    assert [c.id for c in convs] == ["c-1001", "c-1002"]
    c = convs[0]
    assert [t.role for t in c.turns] == ["customer", "agent", "customer", "agent", "agent"]
    assert c.turns[1].speaker == "客服小王" and c.agent_id == "客服小王"
    assert c.turns[2].text == "订单号: 8812 3301"  # a colon inside the message is not a new speaker
    assert c.turns[3].text == "好的，请您稍等，\n我这边帮您查询一下物流信息"
    assert c.turns[4].text.startswith("很抱歉")  # full-width colon
    assert c.turns[4].ts.isoformat() == "2026-11-01T09:03:10"
    assert c.started_at.isoformat() == "2026-11-01T09:00:03"
    assert [t.role for t in convs[1].turns] == ["customer", "agent"]  # 用户 / 坐席, bracketed date-times
    assert convs[0].source.line == 2 and convs[1].source.line == 9


def test_time_only_lines_take_the_date_from_the_file_name_and_cross_midnight(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "chatlog_20261102.log")
    assert rejects == []
    assert c.id == "chatlog_20261102"
    assert [t.ts.isoformat() for t in c.turns] == ["2026-11-02T23:58:10", "2026-11-02T23:58:40",
                                                    "2026-11-03T00:01:15"]


def test_time_only_without_any_date_keeps_the_time_in_meta(tmp_path, read_all):
    p = tmp_path / "log.txt"
    p.write_text("[09:00:03] 客户: 在吗\n[09:00:09] 客服: 在的\n", encoding="utf-8")
    (c,), _, _ = read_all(p, fmt="chatlog")
    assert c.turns[0].ts is None and c.turns[0].meta == {"time": "09:00:03"}


def test_timezone_option_gives_offsets(tmp_path, read_all):
    p = tmp_path / "log.txt"
    p.write_text("2026-11-01 09:00:03 客户: 在吗\n2026-11-01 09:00:09 客服: 在的\n", encoding="utf-8")
    (c,), _, _ = read_all(p, fmt="chatlog", timezone="+08:00")
    assert c.turns[1].ts.isoformat() == "2026-11-01T09:00:09+08:00"


def test_unknown_speaker_is_rejected_with_line_and_hint_then_mapped_with_roles(tmp_path, read_all):
    p = tmp_path / "log.txt"
    p.write_text("2026-11-01 09:00:03 张三: 在吗\n2026-11-01 09:00:09 小美: 在的\n", encoding="utf-8")
    convs, (rej,), _ = read_all(p, fmt="chatlog")
    assert convs == []
    assert rej.source.line == 1 and rej.field == "speaker"
    assert "unknown speaker '张三'" in rej.reason and "--role" in rej.reason
    (c,), rejects, _ = read_all(p, fmt="chatlog", roles={"张三": "customer", "小美": "agent"})
    assert rejects == [] and [t.role for t in c.turns] == ["customer", "agent"]


def test_custom_line_pattern(tmp_path, read_all):
    p = tmp_path / "export.txt"
    p.write_text("客服(A01) 09:00:01 >> 您好\n客户(U9) 09:00:20 >> 我要退货\n", encoding="utf-8")
    pattern = r"^(?P<speaker>\S+?)\((?P<who>\w+)\) (?P<time>[\d:]+) >> (?P<text>.*)$"
    (c,), rejects, _ = read_all(p, fmt="chatlog", line_pattern=pattern)
    assert rejects == [] and [t.text for t in c.turns] == ["您好", "我要退货"]


def test_text_before_the_first_message_is_a_reject(tmp_path, read_all):
    p = tmp_path / "log.txt"
    p.write_text("聊天记录导出\n2026-11-01 09:00:03 客户: 在吗\n", encoding="utf-8")
    convs, (rej,), _ = read_all(p, fmt="chatlog")
    assert rej.source.line == 1 and "does not match the chat line pattern" in rej.reason


def test_big5_traditional_log(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "big5_chat.log")
    assert rejects == []
    assert [t.role for t in c.turns] == ["customer", "agent", "customer"]  # 客戶 is recognised (traditional)
    assert c.turns[1].text == "您好，很高興為您服務，目前有現貨"


@pytest.mark.parametrize(("name", "role"), [
    ("客服", "agent"), ("坐席", "agent"), ("Agent", "agent"), ("waiter", "agent"), ("客服小王", "agent"),
    ("Agent Smith", "agent"), ("客户", "customer"), ("用户", "customer"), ("caller", "customer"),
    ("用户123", "customer"), ("客戶", "customer"), ("ＡＧＥＮＴ", "agent"), ("系统", "system"),
    ("机器人", "bot"), ("智能客服", "bot"), ("agentx", None), ("张三", None),
])
def test_role_names(name, role):
    from qa.ingest.roles import role_for

    assert role_for(name) == role

"""WebVTT and SRT with speakers → call turns with start/end."""


def test_vtt_voice_tags_times_and_continued_speaker(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "call.vtt")
    assert rejects == []
    assert c.id == "call" and c.channel == "call" and c.language == "zh"
    assert [(t.role, t.start, t.end) for t in c.turns] == [
        ("agent", 0.5, 3.2), ("customer", 3.8, 7.95), ("agent", 8.4, 9.1), ("agent", 9.3, 10.0), ("agent", 62.0, 64.5)]
    assert c.turns[2].text == "好的，请您稍等，\n我帮您查询一下。"  # <v.loud 客服> class, tags removed
    assert c.turns[3].speaker == "客服"  # a cue without a voice continues the previous speaker


def test_srt_prefixes_with_crlf(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "call_crlf.srt")
    assert rejects == []
    assert [(t.role, t.start, t.end) for t in c.turns] == [
        ("agent", 0.5, 2.9), ("customer", 3.4, 6.1), ("agent", 6.6, 8.0), ("agent", 8.2, 9.0)]
    assert c.turns[2].text == "I am sorry about that.\nLet me look into it."
    assert not any("\r" in t.text for t in c.turns)


def test_utf16_srt(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "utf16.srt")
    assert rejects == [] and c.turns[1].text == "我要查话费" and c.turns[1].start == 3.5


def test_diariser_labels_need_roles(tmp_path, read_all):
    p = tmp_path / "d.vtt"
    p.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Speaker 1>Hello, how can I help?\n\n"
                 "00:02.500 --> 00:04.000\n<v Speaker 2>My card is blocked.\n", encoding="utf-8")
    convs, (rej,), _ = read_all(p)
    assert rej.source.line == 3 and "unknown speaker 'Speaker 1'" in rej.reason
    (c,), _, _ = read_all(p, roles={"Speaker 1": "agent", "Speaker 2": "customer"})
    assert [t.role for t in c.turns] == ["agent", "customer"] and c.turns[1].start == 2.5


def test_cues_out_of_time_order_are_rejected(tmp_path, read_all):
    p = tmp_path / "o.srt"
    p.write_text("1\n00:00:05,000 --> 00:00:06,000\nAgent: later\n\n2\n00:00:01,000 --> 00:00:02,000\n"
                 "Customer: earlier\n", encoding="utf-8")
    _, (rej,), _ = read_all(p)
    assert rej.field == "turns[1].start" and rej.source.line == 6 and "out of time order" in rej.reason


def test_vtt_without_header_is_rejected(tmp_path, read_all):
    p = tmp_path / "x.vtt"
    p.write_text("00:00.000 --> 00:02.000\n<v Agent>Hi\n", encoding="utf-8")
    _, (rej,), _ = read_all(p, fmt="vtt")
    assert "must start with 'WEBVTT'" in rej.reason

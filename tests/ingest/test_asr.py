"""Whisper-style and Amazon Transcribe JSON → call turns with start/end and word times."""


def test_whisperx_speakers_segments_and_words(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "whisperx_diarized.json",
                                roles={"SPEAKER_01": "agent", "SPEAKER_00": "customer"})
    assert rejects == []
    assert c.language == "en" and c.channel == "call"
    assert [(t.role, t.speaker, t.start, t.end) for t in c.turns] == [
        ("agent", "SPEAKER_01", 0.0, 3.1), ("customer", "SPEAKER_00", 3.4, 7.9),
        ("agent", "SPEAKER_01", 8.3, 12.6), ("agent", "SPEAKER_01", 13.0, 15.2)]  # last has no label: continues
    w = c.turns[0].words
    assert (w[0].w, w[0].start) == ("Thank", 0.0) and len(w) == 9
    assert [x.w for x in c.turns[3].words][-1] == "one."  # the untimed '21' is left out of words


def test_plain_whisper_needs_a_role_for_unlabelled_speech(data_dir, read_all):
    _, (rej,), _ = read_all(data_dir / "whisper_plain.json")
    assert rej.field == "segments[0].speaker" and "no speaker label" in rej.reason and "--role" in rej.reason
    (c,), _, _ = read_all(data_dir / "whisper_plain.json", roles={"*": "agent"})
    assert len(c.turns) == 4 and c.turns[1].text.startswith("Hi, my phone bill")
    assert c.turns[1].words[0].start == 3.4


def test_transcribe_speaker_labels(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "transcribe_speakers.json", roles={"spk_0": "agent", "spk_1": "customer"})
    assert rejects == []
    assert c.id == "call-0142" and c.language == "en"
    assert [(t.role, t.text) for t in c.turns] == [
        ("agent", "Thanks for calling Acme support, how can I help?"),
        ("customer", "My order never arrived."), ("agent", "Sorry about that, let me check.")]
    assert (c.turns[1].start, c.turns[1].end) == (4.2, 5.75)
    assert [w.w for w in c.turns[1].words] == ["My", "order", "never", "arrived"]


def test_transcribe_channel_labels(data_dir, read_all):
    (c,), rejects, _ = read_all(data_dir / "transcribe_channels.json", roles={"ch_0": "agent", "ch_1": "customer"})
    assert rejects == []
    assert [t.role for t in c.turns] == ["agent", "customer", "agent"]
    assert c.turns[2].text == "Sorry about that, let me check." and c.turns[2].start == 6.4


def test_transcribe_without_roles_names_the_label(data_dir, read_all):
    _, (rej,), _ = read_all(data_dir / "transcribe_speakers.json")
    assert "unknown speaker 'spk_0'" in rej.reason


def test_transcribe_call_analytics(tmp_path, read_all):
    import json

    p = tmp_path / "ca.json"
    p.write_text(json.dumps({"JobName": "ca-1", "LanguageCode": "en-US", "Transcript": [
        {"ParticipantRole": "AGENT", "Content": "Hello, thanks for calling.", "BeginOffsetMillis": 120,
         "EndOffsetMillis": 1800, "Sentiment": "POSITIVE"},
        {"ParticipantRole": "CUSTOMER", "Content": "Hi, I need help.", "BeginOffsetMillis": 2100,
         "EndOffsetMillis": 3000, "Sentiment": "NEUTRAL"}]}), encoding="utf-8")
    (c,), rejects, _ = read_all(p)
    assert rejects == [] and c.id == "ca-1"
    assert [(t.role, t.start, t.end, t.meta["sentiment"]) for t in c.turns] == [
        ("agent", 0.12, 1.8, "POSITIVE"), ("customer", 2.1, 3.0, "NEUTRAL")]

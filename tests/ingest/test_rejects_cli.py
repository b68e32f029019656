"""Every record accepted or rejected with a clear reason; `qa ingest` / `qa validate` summaries and exit codes."""

import json

import pytest

from qa import Registry

GOOD = {"id": "c1", "turns": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "在的"}]}


def _jsonl(tmp_path, lines, name="in.jsonl"):
    p = tmp_path / name
    p.write_bytes(b"".join((ln if isinstance(ln, bytes) else ln.encode("utf-8")) + b"\n" for ln in lines))
    return p


def _bad_lines():
    return [
        json.dumps(GOOD, ensure_ascii=False),
        json.dumps({"id": "c2", "turns": [{"role": "agent", "text": "  "}]}),
        json.dumps({"id": "c3", "turns": [{"role": "waiter", "text": "您好"}]}),
        json.dumps({"id": "c4", "turns": [{"role": "agent", "text": "a", "ts": "2026-11-01T09:00:10+08:00"},
                                          {"role": "customer", "text": "b", "ts": "2026-11-01T09:00:00+08:00"}]}),
        json.dumps(GOOD, ensure_ascii=False),
        '{"id": "c6", "turns": [{"role": "agent", "te',
        b"\x00\x01\x02\xff\xfe\x89PNG\r\n",
    ]


def test_each_problem_has_a_clear_message_with_line_and_field(tmp_path, read_all):
    convs, rejects, stats = read_all(_jsonl(tmp_path, _bad_lines()))
    assert [c.id for c in convs] == ["c1"]
    got = [(r.source.line, r.field, r.reason) for r in rejects]
    assert got[0] == (2, "turns[0].text", "empty text")
    assert got[1][:2] == (3, "turns[0].role") and "unknown role 'waiter'" in got[1][2]
    assert got[2][:2] == (4, "turns[1].ts") and "time goes backwards" in got[2][2]
    assert got[3] == (5, "id", "duplicate conversation id 'c1'")
    assert got[4][0] == 6 and got[4][2].startswith("truncated JSON")
    assert got[5][0] == 7 and "not valid UTF-8" in got[5][2]
    assert stats.read == 7 and stats.accepted == 1 and stats.rejected == 6


def test_a_50_mb_single_line_is_rejected_without_reading_it_whole(tmp_path, read_all):
    p = tmp_path / "huge.jsonl"
    with open(p, "wb") as fh:
        fh.write((json.dumps(GOOD) + "\n").encode())
        fh.write(b'{"id": "big", "turns": [{"role": "agent", "text": "')
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b'"}]}\n')
        fh.write((json.dumps({**GOOD, "id": "c2"}) + "\n").encode())
    convs, rejects, _ = read_all(p)
    assert [c.id for c in convs] == ["c1", "c2"]
    (rej,) = rejects
    assert rej.source.line == 2 and "over the 16,777,216-byte record limit" in rej.reason and rej.raw is None


def test_ingest_writes_rejects_file_and_summary(tmp_path, run_qa):
    src = _jsonl(tmp_path, _bad_lines())
    out, rej = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    code, _, err = run_qa("ingest", src, "-o", out, "--rejects", rej)
    assert code == 0
    assert [json.loads(ln)["id"] for ln in out.read_text(encoding="utf-8").splitlines()] == ["c1"]
    rows = [json.loads(ln) for ln in rej.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    assert rows[0] == {"source": str(src), "line": 2, "field": "turns[0].text", "reason": "empty text",
                       "conversation_id": "c2", "raw": _bad_lines()[1]}
    assert "read 7 record(s) from 1 file(s): 1 conversation(s) accepted (2 turns), 6 rejected" in err


def test_strict_exits_3_on_any_reject(tmp_path, run_qa):
    src = _jsonl(tmp_path, _bad_lines())
    code, _, _ = run_qa("ingest", src, "-o", tmp_path / "o.jsonl", "--strict")
    assert code == 3
    good = _jsonl(tmp_path, [json.dumps(GOOD)], "good.jsonl")
    code, _, _ = run_qa("ingest", good, "-o", tmp_path / "o.jsonl", "--strict")
    assert code == 0


def test_validate_summarises_problems_by_kind(tmp_path, run_qa):
    lines = [json.dumps({"id": f"e{i}", "turns": [{"role": "agent", "text": ""}]}) for i in range(3)]
    lines += [json.dumps({"id": "r1", "turns": [{"role": "boss", "text": "x"}]}), json.dumps(GOOD)]
    code, out, err = run_qa("validate", _jsonl(tmp_path, lines))
    assert code == 3 and out == ""
    assert "read 5 record(s) from 1 file(s): 1 conversation(s) accepted (2 turns), 4 rejected" in err
    assert "      3  text: empty text" in err
    assert "      1  role: unknown role …" in err


def test_validate_checks_the_json_schema(tmp_path, run_qa):
    newer = {**GOOD, "format_version": "2.0"}  # the parser reads it; the schema of 1.x does not allow it
    code, _, err = run_qa("validate", _jsonl(tmp_path, [json.dumps(newer)]))
    assert code == 3 and "[format_version]: schema: '2.0' does not match" in err
    code, _, err = run_qa("ingest", _jsonl(tmp_path, [json.dumps(newer)]), "-o", tmp_path / "o.jsonl")
    assert code == 0 and "1 conversation(s) accepted" in err


def test_unreadable_format_is_an_error_naming_the_options(tmp_path, run_qa):
    p = tmp_path / "blob.bin"
    p.write_bytes(bytes(range(256)) * 10)
    code, _, err = run_qa("ingest", p, "-o", tmp_path / "o.jsonl")
    assert code == 2
    assert "cannot tell the format of this file" in err and "pass --format (one of:" in err and "vtt" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_unknown_format_name_suggests(tmp_path, run_qa):
    p = _jsonl(tmp_path, [json.dumps(GOOD)])
    code, _, err = run_qa("ingest", p, "--format", "jsonll", "-o", tmp_path / "o.jsonl")
    assert code == 2 and "unknown format 'jsonll'" in err and "did you mean 'jsonl'" in err


def test_bad_role_option_is_a_usage_error(tmp_path, run_qa):
    p = _jsonl(tmp_path, [json.dumps(GOOD)])
    code, _, err = run_qa("ingest", p, "--role", "Bob=boss", "-o", tmp_path / "o.jsonl")
    assert code == 2 and "'Bob' maps to 'boss', which is not a role" in err


@pytest.mark.parametrize(("name", "content", "fmt"), [
    ("a.jsonl", json.dumps(GOOD) + "\n", "jsonl"),
    ("a.data", json.dumps(GOOD) + "\n", "jsonl"),
    ("a.txt", "2026-11-01 09:00:03 客户: 在吗\n2026-11-01 09:00:09 客服: 在的\n", "chatlog"),
    ("a.log", "[09:00:03] 客户: 在吗\n[09:00:09] 客服: 在的\n", "chatlog"),
    ("a.csv", "conversation_id,role,text\nc,agent,hi\n", "csv"),
    ("a.tsv", "conversation_id\trole\ttext\nc\tagent\thi\n", "tsv"),
    ("a.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Agent>hi\n", "vtt"),
    ("a.srt", "1\n00:00:00,000 --> 00:00:01,000\nAgent: hi\n", "srt"),
    ("a.json", '{"segments": [{"start": 0, "end": 1, "text": "hi"}], "language": "en"}', "whisper"),
    ("a.json", '{"jobName": "j", "results": {"transcripts": [], "items": []}}', "transcribe"),
    ("a.json", '[{"convo_id": 1, "original": [["agent", "hi"]]}]', "abcd"),
    ("a.json", '[{"id": "x", "content": [{"[SPEAKER 1]": "你好"}]}]', "seretod"),
    ("a.json", '[{"speaker_role": "agent", "start_ms": 0, "duration_ms": 5}]', "hvb"),
])
def test_format_auto_by_extension_and_content(tmp_path, name, content, fmt):
    from qa.ingest import pick_reader

    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    assert pick_reader(str(p), readers=Registry.build().readers).name == fmt


def test_format_auto_json_that_fits_no_reader(tmp_path):
    from qa.errors import InputError
    from qa.ingest import pick_reader

    p = tmp_path / "x.json"
    p.write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(InputError, match="the extension fits .* but the content matches none") as info:
        pick_reader(str(p), readers=Registry.build().readers)
    assert "pass --format" in str(info.value)


@pytest.mark.parametrize(("args", "message"), [
    (["--timezone", "Beijing"], "[--timezone]: not a UTC offset: 'Beijing'"),
    (["--encoding", "klingon"], "[--encoding]: unknown encoding 'klingon'"),
    (["--line-pattern", "(?P<speaker>x)"], "--line-pattern needs named groups"),
])
def test_bad_reader_options_are_usage_errors_and_write_nothing(tmp_path, run_qa, data_dir, args, message):
    out = tmp_path / "o.jsonl"
    code, _, err = run_qa("ingest", data_dir / "chatlog.txt", *args, "-o", out)
    assert code == 2 and message in err
    assert not out.exists()


def test_ambiguous_content_is_an_error_naming_the_candidates(tmp_path, monkeypatch):
    import qa.ingest as readers
    from qa.errors import InputError
    from qa.ingest.base import Reader

    class Greedy(Reader):
        extensions = (".x",)

        def __init__(self, name):
            self.name = name

        def sniff(self, path, head):
            return head.startswith(b"hello")

    p = tmp_path / "a.x"
    p.write_bytes(b"hello world")
    with pytest.raises(InputError, match="ambiguous format: looks like one, two") as info:
        readers.pick_reader(str(p), readers={"one": Greedy("one"), "two": Greedy("two")})
    assert "pass --format (one of: one, two)" in str(info.value)

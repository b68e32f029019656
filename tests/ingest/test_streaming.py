"""Streaming details: progress accounting, gzip, chat logs through a mapping file."""

import gzip
import json

import pytest

from qa import ReadOptions, read_records


@pytest.mark.parametrize("name", ["chat_header.csv", "gbk_crlf.csv", "bom_crlf.tsv", "chatlog.txt", "call.vtt", "utf16.srt"])
def test_progress_reports_every_byte(data_dir, name):
    seen = []
    opts = ReadOptions(progress=seen.append)
    list(read_records([str(data_dir / name)], "auto", opts))
    assert sum(seen) == (data_dir / name).stat().st_size


def test_progress_on_a_jsonl_file(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text("".join(json.dumps({"id": f"c{i}", "turns": [{"role": "agent", "text": "hi"}]}) + "\n"
                         for i in range(50)), encoding="utf-8")
    seen = []
    list(read_records([str(p)], "auto", ReadOptions(progress=seen.append)))
    assert sum(seen) == p.stat().st_size and len(seen) == 50


def test_gzipped_jsonl_is_read_by_content(tmp_path, read_all):
    p = tmp_path / "x.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(json.dumps({"id": f"c{i}", "turns": [{"role": "agent", "text": "您好"}]}, ensure_ascii=False) + "\n")
    convs, rejects, _ = read_all(p)
    assert [c.id for c in convs] == ["c0", "c1", "c2"] and rejects == []


def test_truncated_gzip_is_a_reject_not_a_crash(tmp_path, read_all):
    p = tmp_path / "x.jsonl.gz"
    data = gzip.compress(b"".join(json.dumps({"id": f"c{i}", "turns": [{"role": "agent", "text": "x" * 50}]}).encode()
                                  + b"\n" for i in range(200)))
    p.write_bytes(data[: len(data) // 2])
    convs, rejects, _ = read_all(p, fmt="jsonl")
    assert rejects and "cannot read compressed data" in rejects[-1].reason


def test_chat_log_through_a_mapping_file(tmp_path, read_all):
    m = tmp_path / "log.yaml"
    m.write_text("format: chatlog\n"
                 "line_pattern: '^(?P<ts>\\S+ \\S+) \\| (?P<speaker>[^|]+?) \\| (?P<text>.*)$'\n"
                 "separator: '^#+ (?P<id>\\S+)$'\n"
                 "timezone: '+08:00'\n"
                 "roles: {Lily: agent, 访客: customer}\n", encoding="utf-8")
    p = tmp_path / "export.dat"
    p.write_text("# s-1\n2026-11-01 09:00:03 | 访客 | 在吗\n2026-11-01 09:00:09 | Lily | 在的，您请说\n"
                 "# s-2\n2026-11-01 10:00:00 | 访客 | 发货了吗\n", encoding="utf-8")
    convs, rejects, _ = read_all(p, mapping=str(m))
    assert rejects == []
    assert [c.id for c in convs] == ["s-1", "s-2"]
    assert [t.role for t in convs[0].turns] == ["customer", "agent"]
    assert convs[0].turns[1].ts.isoformat() == "2026-11-01T09:00:09+08:00"
    assert convs[0].agent_id == "Lily"


@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "chatlog", "vtt", "whisper", "hvb", "abcd"])
def test_broken_gzip_magic_is_one_reject_for_every_reader(tmp_path, read_all, fmt):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x1f\x8b\x08\x00junk")
    convs, rejects, _ = read_all(p, fmt=fmt)
    assert convs == [] and len(rejects) == 1 and "cannot read compressed data" in rejects[0].reason

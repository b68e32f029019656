"""Delimited text (CSV/TSV) with and without a mapping file; the JDDC export through the shipped mapping."""

import json
from pathlib import Path

import pytest

from qa.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
JDDC_MAPPING = ROOT / "corpora" / "mappings" / "jddc.yaml"


def test_jddc_through_shipped_mapping(shared_data, read_all):
    convs, rejects, stats = read_all(shared_data / "jddc-chat-sample" / "chat_0.1per.txt", mapping=str(JDDC_MAPPING))
    assert rejects == []
    assert len(convs) == 994
    assert sum(len(c.turns) for c in convs) == 12136
    assert sum(t.role == "agent" for c in convs for t in c.turns) == 6029
    first = convs[0]
    with (shared_data / "jddc-chat-sample" / "chat_0.1per.txt").open(encoding="utf-8") as fh:
        rows = [next(fh).rstrip("\n").split("\t") for _ in range(3)]
    assert first.id == rows[0][0] and len(first.id) == 32
    assert [t.role for t in first.turns[:3]] == [{"0": "customer", "1": "agent"}[r[2]] for r in rows]
    assert first.turns[0].text == rows[0][6]
    assert first.metadata == {"user_id": rows[0][1]}
    assert first.turns[0].meta == {"is_transfer": "0", "is_repeat": "0"}  # sku 'nan' is a null value
    assert first.source.line == 1 and convs[1].source.line == len(first.turns) + 1


def test_jddc_acceptance_command(shared_data, run_qa, tmp_path):
    out = tmp_path / "j.jsonl"
    code, _, err = run_qa("ingest", shared_data / "jddc-chat-sample" / "chat_0.1per.txt", "--mapping", JDDC_MAPPING,
                          "-o", out)
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 994
    assert sum(len(json.loads(ln)["turns"]) for ln in lines) == 12136
    assert "994 conversation(s) accepted (12,136 turns), 0 rejected" in err
    code, _, err = run_qa("validate", out)
    assert code == 0, err
    assert "994 conversation(s) accepted" in err
    code, _, err = run_qa("validate", shared_data / "jddc-chat-sample" / "chat_0.1per.txt", "--mapping", JDDC_MAPPING)
    assert code == 0 and "read 994 record(s) from 1 file(s): 994 conversation(s) accepted (12,136 turns)" in err


def test_header_csv_without_mapping_quotes_and_times(data_dir, read_all):
    convs, rejects, _ = read_all(data_dir / "chat_header.csv")
    assert rejects == []
    assert [c.id for c in convs] == ["c-1", "c-2"]
    assert convs[0].agent_id == "A17" and convs[0].language == "en"
    assert convs[0].turns[1].text == 'Sorry to hear that, let me check "express" tracking'
    assert convs[0].turns[1].ts.isoformat() == "2026-11-01T09:00:20+08:00"


def test_gbk_with_crlf_and_chinese_header(data_dir, read_all):
    convs, rejects, _ = read_all(data_dir / "gbk_crlf.csv")
    assert rejects == []
    (conv,) = convs
    assert conv.id == "g-1"
    assert [t.role for t in conv.turns] == ["customer", "agent", "customer"]
    assert conv.turns[1].text == "您好，很高兴为您服务，预计明天发货"
    assert conv.turns[2].text == "好的谢谢"  # no stray \r from the Windows line end
    assert conv.turns[0].ts.isoformat() == "2026-11-01T09:00:03"


def test_bom_tsv(data_dir, read_all):
    convs, rejects, _ = read_all(data_dir / "bom_crlf.tsv")
    assert rejects == [] and convs[0].id == "b-1"  # the BOM does not end up in the first column name
    assert convs[0].turns[1].text == "亲，退款已经原路退回，请注意查收"


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


MAPPING = """\
format: tsv
header: false
columns: [sid, who, msg, at]
conversation: {id: sid}
turn:
  role: who
  roles: {1: agent, 0: customer}
  text: msg
  ts: at
"""


def test_bad_rows_reject_their_conversation_with_line_and_column(tmp_path, read_all):
    m = _write(tmp_path, "m.yaml", MAPPING)
    data = _write(tmp_path, "d.tsv", "a\t0\t你好\t2026-11-01 09:00:00\n"
                                     "a\t1\t您好\t2026-11-01 09:00:05\n"
                                     "b\t2\t在吗\t2026-11-01 10:00:00\n"       # unknown role value
                                     "c\t0\t   \t2026-11-01 11:00:00\n"        # empty text
                                     "d\t0\t你好\tyesterday\n"                  # bad time
                                     "e\t0\t你好\n"                             # short row
                                     "f\t0\t早\t2026-11-01 12:00:00\n"
                                     "f\t1\t早上好\t2026-11-01 11:00:00\n"     # time goes backwards
                                     "\t0\t无主\t2026-11-01 12:00:00\n"         # no id
                                     "a\t0\t又来了\t2026-11-01 13:00:00\n")    # id seen before
    convs, rejects, stats = read_all(data, mapping=str(m))
    assert [c.id for c in convs] == ["a"]
    got = {(r.conversation_id, r.source.line, r.field) for r in rejects}
    assert got == {("b", 3, "who"), ("c", 4, "msg"), ("d", 5, "at"), ("e", 6, "at"), ("f", 8, "at"),
                   (None, 9, "sid"), ("a", 10, "id")}
    reasons = {r.conversation_id: r.reason for r in rejects}
    assert "unknown role value '2'" in reasons["b"] and "'1'" in reasons["b"]
    assert reasons["c"] == "empty text"
    assert "not a time: 'yesterday'" in reasons["d"]
    assert "time goes backwards" in reasons["f"]
    assert "duplicate conversation id 'a'" in reasons["a"]
    assert stats.read == 8 and stats.accepted == 1 and stats.rejected == 7


def test_merge_consecutive_is_off_by_default_and_optional(tmp_path, read_all):
    rows = "a\t0\t你好\t\na\t0\t在吗\t\na\t1\t您好\t\n"
    data = _write(tmp_path, "d.tsv", rows)
    m = _write(tmp_path, "m.yaml", MAPPING)
    (conv,), _, _ = read_all(data, mapping=str(m))
    assert [t.text for t in conv.turns] == ["你好", "在吗", "您好"]
    m2 = _write(tmp_path, "m2.yaml", MAPPING + "merge_consecutive: true\nmerge_separator: ' / '\n")
    (conv,), _, _ = read_all(data, mapping=str(m2))
    assert [t.text for t in conv.turns] == ["你好 / 在吗", "您好"]
    assert conv.turns[0].meta["rows"] == [1, 2]


def test_group_file_makes_one_conversation_per_file(tmp_path, read_all):
    m = _write(tmp_path, "m.yaml", "format: csv\nconversation: {group: file}\nturn: {role: speaker, text: said}\n")
    data = _write(tmp_path, "call-77.csv", "speaker,said\nagent,Hello\ncustomer,Hi\n")
    (conv,), rejects, _ = read_all(data, mapping=str(m))
    assert conv.id == "call-77" and [t.role for t in conv.turns] == ["agent", "customer"]


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("format: tsv\nturn:\n  role: who\n  txet: msg\n", 4, "turn.txet", "did you mean 'text'"),
    ("format: tsv\ncolumns: [a, b]\nconversation: {id: a}\nturn: {role: b, text: c}\n", 4, "turn.text",
     "no column 'c'"),
    ("format: tsv\nturn:\n  role: who\n  roles: {1: agnet}\n", 4, "turn.roles.1", "not a role"),
    ("format: tsv\ndelimiter: ab\n", 2, "delimiter", "one character"),
    ("format: tsv\nconversation:\n  group: hourly\n", 3, "conversation.group", "unknown grouping"),
    ("format: tsv\nturn: [a, b\n", 3, None, "YAML syntax error"),
    ("format: tsv\ntimezone: Beijing\n", 2, "timezone", "not a UTC offset"),
    ("format: tsv\ncolumns: [a, b]\nturn: {role: a, text: b}\n", None, "conversation.id", "conversation.id is required"),
])
def test_mapping_mistakes_name_file_line_and_key(tmp_path, read_all, text, line, field, words):
    m = _write(tmp_path, "bad.yaml", text)
    data = _write(tmp_path, "d.tsv", "x\t1\n")
    with pytest.raises(ConfigError) as info:
        read_all(data, mapping=str(m))
    err = info.value
    assert err.path.endswith("bad.yaml")
    assert err.line == line
    assert err.field == field
    assert words in str(err)


def test_csv_without_recognisable_header_is_rejected_with_hint(tmp_path, read_all):
    data = _write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    convs, rejects, _ = read_all(data, fmt="csv")
    assert convs == []
    assert "cannot tell which column holds the role and text" in rejects[0].reason
    assert "--mapping" in rejects[0].reason


def test_mapping_format_selects_the_reader_for_auto(tmp_path, read_all):
    m = _write(tmp_path, "m.yaml", MAPPING)
    data = _write(tmp_path, "export.txt", "a\t0\t你好\t\n")  # .txt would otherwise be a chat log
    convs, rejects, _ = read_all(data, mapping=str(m))
    assert [c.id for c in convs] == ["a"] and rejects == []

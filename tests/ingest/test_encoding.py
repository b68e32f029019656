"""Encoding detection and line decoding."""

import codecs

import pytest

from qa.errors import InputError
from qa.ingest.encoding import detect_encoding, iter_lines

ZH_S = "2026-11-01 09:00:03 客户: 你好，我的快递怎么还没到，麻烦帮我查一下物流\n"
ZH_T = "2026-11-01 09:00:03 客戶: 你好，我的快遞怎麼還沒到，麻煩幫我查一下物流\n"


@pytest.mark.parametrize(("data", "name", "bom"), [
    (ZH_S.encode("utf-8"), "utf-8", 0),
    (codecs.BOM_UTF8 + ZH_S.encode("utf-8"), "utf-8", 3),
    (codecs.BOM_UTF16_LE + ZH_S.encode("utf-16-le"), "utf-16-le", 2),
    (codecs.BOM_UTF16_BE + ZH_S.encode("utf-16-be"), "utf-16-be", 2),
    (ZH_S.encode("utf-16-le"), "utf-16-le", 0),
    (("hello agent: hi\n" * 3).encode("utf-16-be"), "utf-16-be", 0),
    (ZH_S.encode("gbk"), "gb18030", 0),
    (ZH_S.encode("gb18030"), "gb18030", 0),
    (ZH_T.encode("big5"), "cp950", 0),
    ("客服: 您好\n".encode("gbk"), "gb18030", 0),
    ("客服: 您好\n".encode("big5"), "cp950", 0),
    (b"", "utf-8", 0),
])
def test_detect(data, name, bom):
    enc = detect_encoding(data)
    assert (enc.name, enc.bom) == (name, bom)
    decoded = data[enc.bom:].decode(enc.name)  # strict: raises if the guess were wrong
    assert decoded in (ZH_S, ZH_T, "hello agent: hi\n" * 3, "客服: 您好\n", "")


def test_forced_encoding_and_unknown_name():
    assert detect_encoding(ZH_S.encode("gbk"), "gbk").name == "gb18030"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        detect_encoding(b"abc", "klingon")


def test_iter_lines_crlf_cr_and_bad_bytes(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"one\r\ntwo\rthree\n\xff\xfe bad\nlast")
    lines = list(iter_lines(str(p), detect_encoding(b"one"), 1000))
    assert [(ln.no, ln.text) for ln in lines] == [(1, "one"), (2, "two"), (3, "three"), (4, None), (5, "last")]
    assert "not valid utf-8" in lines[3].error


def test_iter_lines_oversized_line_is_skipped_not_held(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "wb") as fh:
        fh.write(b"first\n")
        fh.write(b"x" * 300_000 + b"\n")
        fh.write(b"after\n")
    lines = list(iter_lines(str(p), detect_encoding(b"a"), 1000))
    assert [ln.text for ln in lines] == ["first", None, "after"]
    assert "300,001 bytes, over the 1,000-byte record limit" in lines[1].error


def test_iter_lines_utf16_crlf(tmp_path):
    p = tmp_path / "w.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + "甲\r\n乙\r\n丙".encode("utf-16-le"))
    enc = detect_encoding(p.read_bytes())
    assert [ln.text for ln in iter_lines(str(p), enc, 1000)] == ["甲", "乙", "丙"]

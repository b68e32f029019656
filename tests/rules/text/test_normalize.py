"""Normalisation: t2s, width, whitespace, pinyin notes — and the offset map back to the input."""

import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.rules.text.normalize import NormalizeOptions, normalize_text, traditional_to_simplified

STRIP = NormalizeOptions(strip_pinyin=True)


@pytest.fixture
def seeds(shared_data):
    seeds = shared_data.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed documents not found at {seeds}")
    return seeds


def _line_with(seeds, needle):
    for f in sorted(seeds.glob("*.txt")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if needle in line:
                return line
    raise AssertionError(f"{needle!r} not in the seeds")


def test_real_seed_line_pinyin_notes_and_t2s(seeds):
    line = _line_with(seeds, "客戶服務(wù)管理制度優(yōu)秀")
    nt = normalize_text(line, STRIP)
    assert "客户服务管理制度优秀" in nt.text
    i = nt.text.index("服务")
    start, end = nt.to_original(i, i + 2)
    assert line[start:end] == "服務"  # evidence highlights the word, not the note


def test_real_seed_notes_in_a_row(seeds):
    text = (seeds / "001_acb9b0d5fc38ba9d.txt").read_text(encoding="utf-8")
    assert "請進(jìn)行舉報(bào)或認(rèn)領(lǐng)" in text
    assert "请进行举报或认领" in normalize_text(text, STRIP).text


def test_notes_split_by_spaces_or_line_breaks():
    assert normalize_text("請進(\njìn)行舉報或認(r èn)領", STRIP).text == "请进行举报或认领"


def test_seed_files_lose_every_note_that_follows_a_hanzi(seeds):
    toned = re.compile(r"[\u3400-\u9fff][(（][^)）]{0,12}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][^)）]{0,12}[)）]")
    for f in sorted(seeds.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        assert toned.search(normalize_text(text, NormalizeOptions(strip_pinyin=True, t2s=False)).text) is None, f


def test_pinyin_needs_a_tone_mark_and_is_off_by_default():
    assert normalize_text("密码(abc)错误", STRIP).text == "密码(abc)错误"
    assert normalize_text("服務(wù)", NormalizeOptions()).text == "服务(wù)"
    assert normalize_text("服務（wù）好", STRIP).text == "服务好"


def test_t2s_phrase_exceptions_keep_offsets():
    assert traditional_to_simplified("乾隆皇帝的衣服很乾淨") == "乾隆皇帝的衣服很干净"
    assert normalize_text("頭髮乾了", NormalizeOptions()).text == "头发干了"


def test_width_whitespace_lowercase():
    nt = normalize_text("　ＡＢＣ１２３，  您好\t\n再见 ", NormalizeOptions())
    assert nt.text == "abc123, 您好 再见"
    s, e = nt.to_original(nt.text.index("您"), nt.text.index("好") + 1)
    assert nt.original[s:e] == "您好"


_TRAD = "服務態度發貨們說請問還沒頭髮乾淨後臺處理謝謝關聯"
_ALPHABET = st.sampled_from(list("abcXYZİ 　\t\n\r，。ＡＢｚ１２！？()（）ùǎ") + list(_TRAD) + list("您好客户"))
_PIECES = st.one_of(
    st.text(_ALPHABET, max_size=6),
    st.sampled_from(["服務(wù)", "關(guān)", "認(r èn)", "進(\njìn)", "  ", "乾隆", "(abc)"]),
)


@functools.lru_cache(maxsize=1)
def _t2s_all() -> dict[str, list[str]]:
    from qa.rules.text.normalize import _opencc_dict

    return dict(_opencc_dict("TSCharacters.txt"))


def _candidates(c: str) -> set[str]:
    from qa.rules.text.normalize import _FULLWIDTH

    out = {c, c.translate(_FULLWIDTH)}
    for x in list(out):
        out.update(_t2s_all().get(x, ()))
    return out | {x.lower() for x in out} | {ch for x in out for ch in x.lower()}


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.booleans())
def test_every_normalised_character_maps_back_to_its_source(text, t2s, width, lower, ws, pinyin):
    opts = NormalizeOptions(t2s=t2s, width=width, lowercase=lower, whitespace=ws, strip_pinyin=pinyin)
    nt = normalize_text(text, opts)
    if nt.origin is not None:
        assert len(nt.origin) == len(nt.text)
        assert nt.origin == sorted(nt.origin)
    prev = -1
    for i, ch in enumerate(nt.text):
        s, e = nt.to_original(i, i + 1)
        assert 0 <= s < e <= len(text)
        assert s >= prev
        prev = s
        src = text[s]
        if ch == " " and (src.isspace() or src == "\u3000"):
            continue
        assert ch in _candidates(src), (text, i, ch, src)
    if nt.text:
        s, e = nt.to_original(0, len(nt.text))
        assert normalize_text(text[s:e], opts).text.strip() == nt.text.strip()

import pytest
from qa_finance.pii import classify, find_pii, id_check_char, is_id_number, luhn_ok, mask


def test_id_check_character_follows_gb11643():
    # The worked example of GB 11643-1999: 11010519491231002X.
    assert id_check_char("11010519491231002") == "X"
    assert is_id_number("11010519491231002X") and is_id_number("11010519491231002x")
    assert not is_id_number("110105194912310021")  # wrong check character
    assert not is_id_number("110105194913310025")  # month 13


def test_luhn():
    assert luhn_ok("4111111111111111") and luhn_ok("6222021234567894")
    assert not luhn_ok("6222021234567898")


@pytest.mark.parametrize("digits, kind", [
    ("11010519491231002X", "id_card"), ("6222021234567894", "bank_card"), ("4111111111111111", "bank_card"),
    ("13812345678", "phone"), ("8613812345678", "phone"), ("12812345678", None), ("6222021234567898", None),
    ("95588", None),
])
def test_classify(digits, kind):
    assert classify(digits) == kind


def test_find_pii_spans_index_the_text_and_skip_masked_numbers():
    text = "卡号6222 0212 3456 7894，手机138****5678，身份证11010519491231002X"
    found = find_pii(text)
    assert [(m.kind, text[m.start:m.end]) for m in found] == [
        ("bank_card", "6222 0212 3456 7894"), ("id_card", "11010519491231002X")]
    assert [m.masked for m in found] == ["6222********7894", "110105********002X"]


def test_spoken_digits_as_asr_writes_them():
    [m] = find_pii("号码是幺三八 一二三四 五六七八对吗")
    assert (m.kind, m.digits, m.start, m.end) == ("phone", "13812345678", 3, 16)


def test_number_inside_a_longer_run_is_not_read_as_pii():
    assert find_pii("流水号2024061513812345678001") == []


def test_mask_keeps_only_head_and_last_four():
    assert mask("phone", "13812345678") == "138****5678"

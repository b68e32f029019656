"""Find personal numbers written out in full: resident ID numbers, bank card numbers, mobile numbers.

Numbers are found in digits (ASCII or full-width, already half-width after qa's normalisation) and in
spoken Chinese digits as ASR writes them (幺三八…), with spaces or hyphens between groups. A masked
number (``6222 **** **** 1234``, ``138****5678``) is broken by the mask and is not found.

* ID number (GB 11643-1999): 17 digits + a check character (ISO 7064 MOD 11-2; ``X`` = 10) and a
  real date of birth in positions 7–14.
* Bank card: 16–19 digits passing the Luhn check, issuer digit 3–6 (UnionPay 62…, Visa 4…, …).
* Mobile: 11 digits ``1[3-9]…``, optionally after ``+86``/``86``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

KINDS = ("id_card", "bank_card", "phone")

_SPOKEN = str.maketrans("零〇幺一二两三四五六七八九", "0011223456789")
# Digit runs; single spaces or hyphens may separate groups. A trailing X/x is kept for ID numbers.
_RUN = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?[0-9](?:[ -]?[0-9]){9,18}(?:[ -]?[Xx])?(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int
    end: int
    digits: str

    @property
    def masked(self) -> str:
        return mask(self.kind, self.digits)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_id_number(s: str) -> bool:
    s = s.upper()
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return False
    if s[0] not in "123456789":
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= date.today().year:
        return False
    return id_check_char(s[:17]) == s[17]


def luhn_ok(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_bank_card(s: str) -> bool:
    return s.isdigit() and 16 <= len(s) <= 19 and s[0] in "3456" and luhn_ok(s)


def is_mobile(s: str) -> bool:
    return len(s) == 11 and s[0] == "1" and s[1] in "3456789" and s.isdigit()


def classify(digits: str) -> str | None:
    """``id_card``, ``bank_card``, ``phone`` or None for a run of digits (separators removed)."""
    if is_id_number(digits):
        return "id_card"
    if is_bank_card(digits):
        return "bank_card"
    if len(digits) == 13 and digits.startswith("86") and is_mobile(digits[2:]):
        return "phone"
    if is_mobile(digits):
        return "phone"
    return None


def find_pii(text: str, kinds=KINDS) -> list[PiiMatch]:
    """Every unmasked personal number in ``text``, with its ``[start, end)`` in ``text``."""
    spoken = text.translate(_SPOKEN)  # same length: offsets stay valid
    out = []
    for m in _RUN.finditer(spoken):
        raw = m.group()
        digits = re.sub(r"[ +\-]", "", raw).upper()
        kind = classify(digits)
        if kind is None and digits.endswith("X"):
            continue
        if kind is None or kind not in kinds:
            continue
        out.append(PiiMatch(kind, m.start(), m.end(), digits[2:] if kind == "phone" and len(digits) == 13
                            else digits))
    return out


def mask(kind: str, digits: str) -> str:
    """The number as it may be shown: ID 110101********1234, card 6222********1234, phone 138****5678."""
    keep_head = {"id_card": 6, "bank_card": 4, "phone": 3}[kind]
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]

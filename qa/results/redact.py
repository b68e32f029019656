"""PII redaction for outputs (``qa score --redact``): phone numbers, ID-card numbers, bank cards, e-mails.

Evidence quoted from a transcript may carry a customer's personal data; with ``--redact`` every result
and reject written is passed through :func:`redact_result` / :func:`redact_text` first. Spans still
point into the input text, so a reviewer with access to the transcript can find the place.

Recognised (Chinese and international formats, full-width digits too):

- mobile numbers ``13800138000``, ``+86 138-0013-8000``; landlines ``010-12345678``, ``(0755) 8888 6666``;
  North-American / international ``(415) 555-0132``, ``+1 415 555 0132``, ``+44 20 7946 0958``;
- resident ID cards (18 characters with a plausible birth date, last one 0-9/X; the old 15-digit form)
  and US social-security numbers ``123-45-6789``;
- bank cards: 13–19 digits grouped by spaces or dashes, or written solid and passing the Luhn check (so
  order numbers and the like stay readable);
- e-mail addresses.

Each is replaced by a tag: ``[PHONE]``, ``[ID]``, ``[CARD]``, ``[EMAIL]``.
"""

from __future__ import annotations

import re
from typing import Any

from qa.model import Reject

_FULLWIDTH_DIGITS = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0B: ord("+"), 0xFF0D: ord("-"),
                                                                      0xFF08: ord("("), 0xFF09: ord(")"),
                                                                      0xFF20: ord("@"), 0x3000: ord(" ")}

_ND = r"(?<![0-9A-Za-z])"   # not preceded by a digit or letter
_NA = r"(?![0-9A-Za-z])"    # not followed by one
_SEP = r"[ \-]?"

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}")),
    ("ID", re.compile(_ND + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _NA)),
    ("ID", re.compile(_ND + r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + _NA)),
    ("ID", re.compile(_ND + r"\d{3}-\d{2}-\d{4}" + _NA)),
    ("CARD", re.compile(_ND + r"\d{4}(?:[ \-]?\d{4}){2,3}(?:[ \-]?\d{1,4})?" + _NA)),
    ("PHONE", re.compile(_ND + r"(?:\+?86[ \-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _NA)),
    ("PHONE", re.compile(_ND + r"(?:\+?86[ \-]?)?(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?\d{3,4}[ \-]?\d{4}" + _NA)),
    ("PHONE", re.compile(r"(?<![0-9A-Za-z+])(?:\+?1[ \-.]?)?(?:\(\d{3}\)|\d{3})[ \-.]?\d{3}[ \-.]\d{4}" + _NA)),
    ("PHONE", re.compile(r"\+(?:[2-9]\d{0,2})(?:[ \-]?\d{1,4}){2,5}" + _NA)),
]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, kind)`` of the personal data in ``text``, in order."""
    probe = text.translate(_FULLWIDTH_DIGITS)  # length-preserving, so spans apply to ``text``
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in PATTERNS:
        for m in rx.finditer(probe):
            s, e = m.span()
            value = m.group()
            if kind == "CARD":
                digits = re.sub(r"\D", "", value)
                grouped = len(digits) != len(value)  # 6222 0212 3456 7890: written as a card, whatever the checksum
                if not 13 <= len(digits) <= 19 or not (grouped or luhn_ok(digits)):
                    continue
            if kind == "PHONE" and sum(c.isdigit() for c in value) < 7:
                continue
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append((s, e, kind))
    found.sort()
    return found


def redact_text(text: str) -> str:
    """``text`` with each phone number, ID number, bank card and e-mail replaced by its tag."""
    if not text or not any(c.isdigit() or c == "@" for c in text):
        return text
    spans = find_pii(text)
    if not spans:
        return text
    out = []
    pos = 0
    for s, e, kind in spans:
        out.append(text[pos:s])
        out.append(f"[{kind}]")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def redact_result(result: dict[str, Any]) -> dict[str, Any]:
    """Redact a score result in place: finding evidence, messages and extras, and conversation metadata."""
    for f in result.get("findings", ()):
        if f.get("evidence"):
            f["evidence"] = redact_text(f["evidence"])
        if f.get("message"):
            f["message"] = redact_text(f["message"])
        if f.get("extra"):
            f["extra"] = redact_value(f["extra"])
    if result.get("metadata"):
        result["metadata"] = redact_value(result["metadata"])
    return result


def redact_reject(rej):
    """A copy of a :class:`~qa.model.Reject` whose raw record and reason are redacted."""

    return Reject(rej.source, redact_text(rej.reason), field=rej.field,
                  raw=redact_text(rej.raw) if rej.raw else rej.raw, conversation_id=rej.conversation_id)

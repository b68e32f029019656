"""Opening text inputs: encoding detection and line-by-line decoding that never loses a line.

:func:`detect_encoding` looks at the first bytes of a file: a byte-order mark wins, then UTF-16
without a BOM (NUL bytes in every other position), then strict UTF-8, then GB18030 (a superset of
GBK/GB2312) against Big5 (decided by which decoding gives common Chinese characters, since
charset-normalizer alone guesses wrong on short Chinese lines), then charset-normalizer for anything
else. :func:`iter_lines` yields every physical line with its number, or the reason it could not be
decoded, so readers can reject that one record and go on. Windows (CRLF) and old Mac (CR) line ends
are accepted.
"""

from __future__ import annotations

import codecs
import functools
import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from qa.errors import InputError
from qa.rules.text.normalize import simplified_to_traditional

SNIFF_BYTES = 64 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "big5": "cp950"}


@dataclass(frozen=True, slots=True)
class Encoding:
    """A detected (or forced) encoding and the length of the byte-order mark to skip."""

    name: str
    bom: int = 0

    @property
    def wide(self) -> bool:
        """True for UTF-16/32, whose lines cannot be split on the byte ``\\n``."""
        return self.name in _WIDE


def open_binary(path: str):
    """Open ``path`` for reading bytes, transparently un-gzipping ``.gz`` content."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except IsADirectoryError:
        raise InputError("is a directory; pass the files inside it (a shell glob works)", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", path=path) from None
    if fh.peek(2)[:2] == b"\x1f\x8b":
        return _Gzip(path, gzip.open(fh, "rb"))
    return fh


class _Gzip:
    """A gzip stream whose corruption or truncation is an InputError naming the file."""

    def __init__(self, path: str, fh):
        self.path = path
        self.fh = fh
        self.name = path

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"cannot read compressed data: {exc}", path=self.path) from None

    def read(self, *args) -> bytes:
        return self._call(self.fh.read, *args)

    def readline(self, *args) -> bytes:
        return self._call(self.fh.readline, *args)

    def peek(self, n: int) -> bytes:
        return self._call(self.fh.peek, n)

    def close(self) -> None:
        self.fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_head(path: str, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of ``path`` (decompressed if gzip)."""
    with open_binary(path) as fh:
        try:
            return fh.read(size)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot read: {exc}", path=path) from None


def check_encoding_name(name: str, where: str = "encoding") -> str:
    """The canonical codec name for ``name``; an unknown name is an InputError with a hint."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise InputError(f"unknown encoding {name!r}", field=where,
                         hint="use a Python codec name such as utf-8, gb18030, big5, utf-16") from None
    return _ALIASES.get(codec, codec)


def detect_encoding(head: bytes, forced: str | None = None) -> Encoding:
    """The encoding of a file whose first bytes are ``head`` (``forced`` overrides detection)."""
    if forced:
        name = check_encoding_name(forced)
        for bom, bom_name in _BOMS:
            if head.startswith(bom) and codecs.lookup(bom_name).name == codecs.lookup(name).name.replace("-sig", ""):
                return Encoding(bom_name, len(bom))
        if name in ("utf-16", "utf-32"):
            # Without a BOM Python assumes native order; prefer what the NULs say.
            return Encoding(_wide_without_bom(head) or f"{name}-le")
        if name == "utf-8-sig":
            return Encoding("utf-8", 3 if head.startswith(codecs.BOM_UTF8) else 0)
        return Encoding(name)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name, len(bom))
    if not head:
        return Encoding("utf-8")
    wide = _wide_without_bom(head)
    if wide:
        return Encoding(wide)
    if _decodes(head, "utf-8"):
        return Encoding("utf-8")
    cjk = [c for c in ("gb18030", "cp950") if _decodes(head, c)]
    if len(cjk) == 1:
        return Encoding(cjk[0])
    if len(cjk) == 2:
        return Encoding(max(cjk, key=lambda c: (_common_share(head, c), c == "gb18030")))
    import charset_normalizer

    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        raise InputError("cannot tell the text encoding (binary data?)", hint="pass --encoding NAME")
    return Encoding(_ALIASES.get(best.encoding, best.encoding))


def _wide_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.3 and zeros_even < 0.05 and _decodes(sample, "utf-16-le"):
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.05 and _decodes(sample, "utf-16-be"):
        return "utf-16-be"
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    """True when ``data`` decodes strictly, allowing a character cut off at the end."""
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """GB2312 level-1 characters (the 3,755 most common hanzi) and their traditional forms."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue

    for c in list(chars):
        chars.update(simplified_to_traditional(c))
    return frozenset(chars)


def _common_share(head: bytes, encoding: str) -> float:
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    han = [c for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"]
    if not han:
        return 0.0
    common = _common_chars()
    return sum(c in common for c in han) / len(han)


@dataclass(slots=True)
class Line:
    """One physical line: ``text`` without its line end, or ``error`` saying why it has none."""

    no: int
    text: str | None
    error: str | None = None
    raw: str | None = None


def iter_lines(path: str, encoding: Encoding, max_bytes: int, progress=None) -> Iterator[Line]:
    """Every line of ``path`` decoded with ``encoding``, streaming.

    A line longer than ``max_bytes`` or one that does not decode becomes a :class:`Line` with
    ``error`` set (the rest of the file is still read). ``progress(n)`` is called with byte counts.
    """
    if encoding.wide:
        yield from _iter_wide(path, encoding, max_bytes, progress)
        return
    with open_binary(path) as fh:
        if encoding.bom:
            fh.read(encoding.bom)
            if progress is not None:
                progress(encoding.bom)
        no = 0
        pending = b""
        while True:
            raw = pending or readline_safe(fh, max_bytes + 1)
            pending = b""
            if not raw:
                break
            if progress is not None:
                progress(len(raw))
            no += 1
            if len(raw) > max_bytes and not raw.endswith((b"\n", b"\r")):
                size = len(raw)
                while True:
                    more = readline_safe(fh, 1 << 20)
                    size += len(more)
                    if progress is not None:
                        progress(len(more))
                    if not more or more.endswith(b"\n"):
                        break
                yield Line(no, None, f"line is {size:,} bytes, over the {max_bytes:,}-byte record limit")
                continue
            body = raw.rstrip(b"\n")
            if body.endswith(b"\r"):
                body = body[:-1]
            if b"\r" in body:  # old Mac line ends: split here, keep the rest for the next round
                body, _, rest = body.partition(b"\r")
                pending = rest + (b"\n" if raw.endswith(b"\n") else b"")
            try:
                text = body.decode(encoding.name)
            except UnicodeDecodeError as exc:
                yield Line(no, None, f"not valid {encoding.name} at byte {exc.start} of the line",
                           raw=body.decode(encoding.name, "replace"))
                continue
            yield Line(no, text)


def readline_safe(fh, limit: int) -> bytes:
    try:
        return fh.readline(limit)
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=getattr(fh, "name", None)) from None


def _iter_wide(path: str, encoding: Encoding, max_bytes: int, progress) -> Iterator[Line]:
    decoder = codecs.getincrementaldecoder(encoding.name)("replace")
    max_chars = max_bytes // 2
    no = 0
    buf = ""
    with open_binary(path) as fh:
        if encoding.bom:
            fh.read(encoding.bom)
            if progress is not None:
                progress(encoding.bom)
        while True:
            chunk = fh.read(1 << 16)
            if progress is not None and chunk:
                progress(len(chunk))
            buf += decoder.decode(chunk, final=not chunk)
            while True:
                cut = _line_end(buf)
                if cut is None:
                    break
                line, buf = buf[:cut[0]], buf[cut[1]:]
                no += 1
                yield _wide_line(no, line, encoding, max_chars)
            if not chunk:
                if buf.rstrip("\r"):
                    no += 1
                    yield _wide_line(no, buf.rstrip("\r"), encoding, max_chars)
                return
            if len(buf) > max_chars:
                no += 1
                size = len(buf)
                buf = ""
                while True:  # drop the rest of the oversized line
                    chunk = fh.read(1 << 16)
                    text = decoder.decode(chunk, final=not chunk)
                    cut = _line_end(text)
                    if cut is not None:
                        size += cut[0]
                        buf = text[cut[1]:]
                        break
                    size += len(text)
                    if not chunk:
                        break
                yield Line(no, None, f"line is over {size:,} characters, more than the record limit")


def _line_end(buf: str) -> tuple[int, int] | None:
    i = buf.find("\n")
    j = buf.find("\r")
    if i < 0 and j < 0:
        return None
    if j >= 0 and (i < 0 or j < i):
        if j + 1 < len(buf) and buf[j + 1] == "\n":
            return j, j + 2
        if j + 1 == len(buf):
            return None  # wait: a "\n" may follow in the next chunk
        return j, j + 1
    return i, i + 1


def _wide_line(no: int, line: str, encoding: Encoding, max_chars: int) -> Line:
    if "\ufffd" in line:
        return Line(no, None, f"not valid {encoding.name}", raw=line)
    return Line(no, line)


def read_text(path: str, forced: str | None, max_bytes: int) -> str:
    """A whole (small) document decoded: for formats that are one record per file."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", path=path) from None
    with open_binary(path) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"file is over the {max_bytes:,}-byte record limit ({size:,} bytes on disk)", path=path)
    enc = detect_encoding(data[:SNIFF_BYTES], forced)
    try:
        return data[enc.bom:].decode(enc.name)
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid {enc.name} at byte {exc.start + enc.bom}", path=path,
                         hint="pass --encoding NAME if the guess is wrong") from None

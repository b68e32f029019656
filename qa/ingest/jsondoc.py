"""JSON documents: one per file (ASR output, a Harper Valley call) or a top-level array read one element
at a time (ABCD, SereTOD), so memory does not grow with the number of conversations."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any

from qa.errors import InputError
from qa.ingest.encoding import detect_encoding, open_binary, read_text

_WS = " \t\r\n"


def load_document(path: str, encoding: str | None, max_bytes: int) -> Any:
    """Parse a whole JSON file; syntax errors are InputErrors naming line and column."""
    text = read_text(path, encoding, max_bytes)
    return parse(text, path)


def parse(text: str, path: str, line_offset: int = 0) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "truncated JSON (the file ends too early)" if truncated else "invalid JSON"
        raise InputError(f"{what}: {exc.msg} (column {exc.colno})", path=path,
                         line=exc.lineno + line_offset) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", path=path) from None


def head_text(head: bytes) -> str:
    """The sniffed head of a file as text (any encoding qa detects), for content sniffing."""
    try:
        enc = detect_encoding(head)
    except InputError:
        return ""
    return head[enc.bom:].decode(enc.name, "replace")


def iter_array(path: str, encoding: str | None, max_bytes: int, progress=None
               ) -> Iterator[tuple[int, int, Any | InputError]]:
    """``(index, line, element or InputError)`` for each element of a top-level JSON array.

    A malformed element is reported and the rest of the file skipped (JSON cannot resynchronise);
    ``line`` is where the element starts.
    """
    with open_binary(path) as fh:
        head = fh.read(1 << 16)
        enc = detect_encoding(head, encoding)

        decoder = codecs.getincrementaldecoder(enc.name)("strict")
        data = head[enc.bom:]
        eof = False
        buf = ""
        pos = 0
        line = 1
        index = -1

        def more() -> bool:
            nonlocal buf, pos, data, eof
            if eof:
                return False
            chunk = data if data else fh.read(max(1 << 16, len(buf) - pos))  # doubling: linear re-parsing
            data = b""
            if progress is not None and chunk:
                progress(len(chunk))
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {enc.name} (byte {exc.start} of a block)", path=path) from None
            if not chunk:
                eof = True
            buf = buf[pos:] + text
            pos = 0
            return True

        def skip_ws() -> str | None:
            nonlocal pos, line
            while True:
                while pos < len(buf) and buf[pos] in _WS:
                    if buf[pos] == "\n":
                        line += 1
                    pos += 1
                if pos < len(buf):
                    return buf[pos]
                if not more():
                    return None

        try:
            first = skip_ws()
        except InputError as exc:
            yield 0, 1, exc
            return
        if first != "[":
            yield 0, line, InputError("expected a JSON array of conversations ('[' …)", path=path, line=line)
            return
        pos += 1
        decoder_json = json.JSONDecoder()
        while True:
            try:
                c = skip_ws()
            except InputError as exc:
                yield index + 1, line, exc
                return
            if c is None:
                yield index + 1, line, InputError("truncated JSON: the array is not closed", path=path, line=line)
                return
            if c == "]":
                return
            if index >= 0:
                if c != ",":
                    yield index + 1, line, InputError(f"invalid JSON: expected ',' or ']', got {c!r}", path=path,
                                                      line=line)
                    return
                pos += 1
                try:
                    c = skip_ws()
                except InputError as exc:
                    yield index + 1, line, exc
                    return
                if c is None:
                    yield index + 1, line, InputError("truncated JSON: the array is not closed", path=path,
                                                      line=line)
                    return
            index += 1
            start_line = line
            while True:
                try:
                    obj, end = decoder_json.raw_decode(buf, pos)
                except RecursionError:
                    yield index, start_line, InputError("invalid JSON: nested too deeply", path=path, line=start_line)
                    return
                except json.JSONDecodeError as exc:
                    at_end = exc.pos >= len(buf) - 1 or not buf[exc.pos:].strip()
                    grown = False
                    if len(buf) - pos <= max_bytes and (at_end or not eof):
                        try:
                            grown = more()
                        except InputError as err:
                            yield index, start_line, err
                            return
                    if grown:
                        continue
                    if len(buf) - pos > max_bytes:
                        yield index, start_line, InputError(
                            f"array element is over the {max_bytes:,}-byte record limit", path=path, line=start_line)
                        return
                    err_line = start_line + buf.count("\n", pos, exc.pos)
                    truncated = eof and (at_end or exc.msg.startswith("Unterminated string"))
                    what = "truncated JSON (the file ends inside this element)" if truncated else \
                        f"invalid JSON: {exc.msg}"
                    yield index, start_line, InputError(what, path=path, line=err_line)
                    return
                break
            line += buf.count("\n", pos, end)
            pos = end
            yield index, start_line, obj

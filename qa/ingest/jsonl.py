"""Canonical JSON Lines (optionally gzip-compressed), read streaming."""

from __future__ import annotations

import json
from collections.abc import Iterator

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.canonical import conversation_from_dict
from qa.ingest.encoding import open_binary as _open_binary
from qa.ingest.encoding import readline_safe
from qa.model import Conversation, Reject, SourceRef


def _conversation_id(d) -> str | None:
    """The id of a rejected record, when it has a usable one."""
    return d.get("id") if isinstance(d, dict) and isinstance(d.get("id"), str) else None


class JsonlReader(Reader):
    name = "jsonl"
    extensions = (".jsonl", ".jsonl.gz", ".ndjson", ".json.gz")
    description = "canonical conversations, one JSON object per line (docs/format.md)"

    def sniff(self, path: str, head: bytes) -> bool:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return stripped.startswith(b"{") and b'"turns"' in stripped.split(b"\n", 1)[0]

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        limit = options.max_record_bytes
        check_schema = bool(options.extra.get("schema"))
        progress = options.progress
        with _open_binary(path) as fh:
            lineno = 0
            while True:
                raw = readline_safe(fh, limit + 1)
                if not raw:
                    break
                lineno += 1
                if progress is not None:
                    progress(len(raw))
                src = SourceRef(path, lineno)
                if len(raw) > limit and not raw.endswith(b"\n"):
                    size = len(raw)
                    while True:  # skip the rest of the oversized line without holding it
                        more = readline_safe(fh, 1 << 20)
                        size += len(more)
                        if progress is not None:
                            progress(len(more))
                        if not more or more.endswith(b"\n"):
                            break
                    yield Reject(src, f"line is {size:,} bytes, over the {limit:,}-byte record limit", raw=None)
                    continue
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield Reject(src, f"not valid UTF-8 at byte {exc.start}", raw=raw.decode("utf-8", "replace"))
                    continue
                try:
                    d = json.loads(text)
                except json.JSONDecodeError as exc:
                    truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
                    what = "truncated JSON (the line ends too early)" if truncated else "invalid JSON"
                    yield Reject(src, f"{what}: {exc.msg} (column {exc.colno})", raw=text)
                    continue
                except RecursionError:
                    yield Reject(src, "invalid JSON: nested too deeply", raw=text[:1000])
                    continue
                try:
                    conv = conversation_from_dict(d, src)
                except InputError as exc:
                    yield Reject(src, exc.message, field=exc.field, raw=text, conversation_id=_conversation_id(d))
                    continue
                if check_schema:
                    from qa.ingest.schema import schema_problems

                    problems = schema_problems(d)
                    if problems:
                        fld, msg = problems[0]
                        yield Reject(src, msg, field=fld, raw=text, conversation_id=_conversation_id(d))
                        continue
                if options.channel:
                    conv.channel = options.channel
                if options.language:
                    conv.language = options.language
                yield conv

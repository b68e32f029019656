"""Helpers every format reader shares: settings from options + mapping, building a checked
conversation from a canonical dict, times, and turning errors into rejects."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from qa.errors import ConfigError, InputError, QAError
from qa.ingest.base import ReadOptions
from qa.ingest.canonical import conversation_from_dict
from qa.ingest.encoding import check_encoding_name
from qa.ingest.mapping import MappingSpec, load_mapping, parse_offset
from qa.ingest.roles import parse_role_map, role_for
from qa.model import Conversation, Reject, SourceRef


@dataclass
class Settings:
    """What a reader needs from the command line and the mapping file, merged (the command line wins)."""

    spec: MappingSpec | None
    roles: dict[str, str]
    tz: timezone | None
    channel: str | None
    language: str | None
    encoding: str | None

    def role(self, name: object) -> str | None:
        return role_for(name, self.roles)


def settings(options: ReadOptions) -> Settings:
    spec = load_mapping(options.mapping) if options.mapping else None
    roles = dict(spec.roles) if spec else {}
    if options.roles:
        try:
            roles.update(parse_role_map(options.roles, "--role"))
        except InputError as exc:
            raise ConfigError(exc.message, field=exc.field) from None
    tz = spec.timezone if spec else None
    if options.timezone:
        try:
            tz = parse_offset(options.timezone)
        except ValueError as exc:
            raise ConfigError(str(exc), field="--timezone") from None
    if options.encoding:
        try:
            check_encoding_name(options.encoding)
        except InputError as exc:
            raise ConfigError(exc.message, field="--encoding", hint=exc.hint) from None
    return Settings(spec, roles, tz, options.channel or (spec.channel if spec else None),
                    options.language or (spec.language if spec else None),
                    options.encoding or (spec.encoding if spec else None))


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def guess_language(texts) -> str:
    """``zh`` when Chinese characters outnumber Latin letters in the first texts, else ``en``."""
    han = latin = 0
    for i, t in enumerate(texts):
        han += len(_CJK.findall(t))
        latin += len(_LATIN.findall(t))
        if i > 50:
            break
    return "zh" if han * 3 >= latin else "en"


def stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".gz",):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name.rsplit(".", 1)[0] if "." in name else name


def turn_lines(lines: list[int], default: int | None = None) -> Callable[[str], int | None]:
    """A ``field_line`` for :func:`build`: ``turns[i]…`` → ``lines[i]``, anything else → ``default``."""

    def field_line(fld: str) -> int | None:
        if fld.startswith("turns["):
            try:
                return lines[int(fld[6:fld.index("]")])]
            except (ValueError, IndexError):
                return None
        return default

    return field_line


def build(d: dict[str, Any], src: SourceRef, options_set: Settings | None = None,
          field_line: Callable[[str], int | None] | None = None, raw: str | None = None) -> Conversation | Reject:
    """Check a canonical dict (the same checks as JSONL input) and return the conversation or a reject.

    ``field_line`` maps an error's field (``turns[3].text``) to the input line it came from.
    """
    if options_set is not None:
        if options_set.channel:
            d["channel"] = options_set.channel
        if options_set.language:
            d["language"] = options_set.language
    if "language" not in d:
        d["language"] = guess_language(t.get("text", "") for t in d.get("turns") or [] if isinstance(t, dict))
    try:
        return conversation_from_dict(d, src)
    except InputError as exc:
        line = field_line(exc.field or "") if field_line else None
        where = SourceRef(src.path, line if line is not None else src.line)
        cid = d.get("id") if isinstance(d.get("id"), str) else None
        return Reject(where, exc.message, field=exc.field, raw=raw, conversation_id=cid)


def reject(src: SourceRef, exc: QAError | str, raw: str | None = None, field: str | None = None,
           cid: str | None = None) -> Reject:
    if isinstance(exc, QAError):
        reason = exc.message + (f" — {exc.hint}" if exc.hint else "")
        return Reject(SourceRef(exc.path or src.path, exc.line if exc.line is not None else src.line), reason,
                      field=exc.field or field, raw=raw, conversation_id=cid)
    return Reject(src, exc, field=field, raw=raw, conversation_id=cid)


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                 "%Y.%m.%d %H:%M:%S", "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S")


def parse_when(value: str, fmt: str | None, tz: timezone | None) -> datetime:
    """A message time: ``fmt`` (strptime), else ISO 8601, common log forms, or epoch seconds/ms."""
    v = value.strip()
    dt = None
    if fmt:
        try:
            dt = datetime.strptime(v, fmt)
        except ValueError:
            raise InputError(f"time {value!r} does not match the format {fmt!r}") from None
    else:
        if re.fullmatch(r"\d{9,10}(\.\d+)?|\d{12,13}", v):
            secs = float(v) / (1000 if len(v.split(".")[0]) >= 12 else 1)
            return datetime.fromtimestamp(secs, tz or timezone.utc)
        try:
            dt = datetime.fromisoformat(v[:-1] + "+00:00" if v.endswith("Z") else v)
        except ValueError:
            for f in _TIME_FORMATS:
                try:
                    dt = datetime.strptime(v, f)
                    break
                except ValueError:
                    continue
        if dt is None:
            raise InputError(f"not a time: {value!r}", hint="set turn.ts_format in the mapping (strptime codes)")
    if dt.tzinfo is None and tz is not None:
        dt = dt.replace(tzinfo=tz)
    return dt

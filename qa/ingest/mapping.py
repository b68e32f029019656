"""Mapping files: a small YAML that tells a reader how an export is laid out.

Delimited text (CSV/TSV) needs one to know which column is what; the chat-log, subtitle and ASR
readers accept one for speaker names (``roles:``), the line pattern and time zone. Every key is
checked; a mistake is a :class:`~qa.errors.ConfigError` naming the file, line and key. The format is
documented in docs/format.md ("Mapping files"); ``corpora/mappings/`` has working examples.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from qa.errors import ConfigError, QAError, did_you_mean
from qa.ingest.encoding import check_encoding_name
from qa.ingest.roles import parse_role_map
from qa.model import CHANNELS, ROLES
from qa.rules.rubric.yamlsafe import LineDict, line_of, load_yaml

TOP_KEYS = {
    "format": "reader to use: csv, tsv, chatlog, vtt, srt, whisper, transcribe …",
    "encoding": "input encoding (default: detected)",
    "delimiter": "field separator of delimited text (default ',' for csv, tab for tsv)",
    "quotechar": "quote character of delimited text; null for none (default '\"' for csv, none for tsv)",
    "header": "true when the first row names the columns",
    "columns": "column names, in order, when there is no header (or to rename it)",
    "conversation": "how rows become conversations: id, group, channel, language, agent_id, team, metadata",
    "turn": "how a row becomes a turn: role, roles, text, ts, ts_format, speaker, meta",
    "null_values": "cell values that mean 'empty' (default: '', nan, NULL, null, None)",
    "merge_consecutive": "join consecutive rows of the same role into one turn (default false)",
    "merge_separator": "text put between merged rows (default a space)",
    "roles": "speaker name → role, for chat logs, subtitles and ASR output",
    "line_pattern": "chat logs: regex with named groups speaker and text (and date, time, ts)",
    "separator": "chat logs: regex of a line that starts a new conversation (group 'id' names it)",
    "timezone": "UTC offset for times written without one, e.g. '+08:00'",
    "channel": "chat or call, for every conversation",
    "language": "language code for every conversation",
}
CONVERSATION_KEYS = {
    "id": "column holding the conversation id",
    "group": "consecutive (a new conversation when the id changes) or file (the whole file is one)",
    "channel": "chat or call",
    "language": "zh, en, …",
    "agent_id": "column holding the agent id",
    "team": "column holding the team",
    "started_at": "column holding the conversation start time",
    "metadata": "columns copied into metadata: a list of columns or {key: column}",
}
TURN_KEYS = {
    "role": "column holding the speaker role",
    "roles": "value → role, e.g. {1: agent, 0: customer}",
    "text": "column holding the message text",
    "ts": "column holding the message time",
    "ts_format": "strptime format of ts (default ISO 8601 or 'YYYY-MM-DD HH:MM:SS')",
    "start": "column holding seconds from call start",
    "end": "column holding seconds from call start",
    "speaker": "column holding the speaker id",
    "meta": "columns copied into the turn's meta: a list or {key: column}",
}
GROUPS = ("consecutive", "file")
DEFAULT_NULLS = ("", "nan", "NaN", "NULL", "null", "None")


@dataclass
class MappingSpec:
    """A checked mapping file."""

    path: str | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = '"'
    quotechar_set: bool = False
    header: bool | None = None
    columns: list[str] | None = None
    conversation: dict[str, Any] = field(default_factory=dict)
    turn: dict[str, Any] = field(default_factory=dict)
    null_values: frozenset[str] = frozenset(DEFAULT_NULLS)
    merge_consecutive: bool = False
    merge_separator: str = " "
    roles: dict[str, str] = field(default_factory=dict)
    turn_roles: dict[str, str] = field(default_factory=dict)
    line_pattern: str | None = None
    separator: str | None = None
    timezone: timezone | None = None
    channel: str | None = None
    language: str | None = None
    lines: dict[str, int | None] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


def load_mapping(path: str) -> MappingSpec:
    """Read and check a mapping file (cached per path, modification time, size and inode)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ConfigError(f"cannot read mapping file: {exc.strerror}", path=path) from None
    return _load(os.path.abspath(path), (st.st_mtime_ns, st.st_size, st.st_ino))


@functools.lru_cache(maxsize=16)
def _load(path: str, version: tuple[int, int, int]) -> MappingSpec:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read mapping file: {exc}", path=path) from None
    try:
        data = load_yaml(text, path)
    except QAError as exc:
        raise ConfigError(exc.message, path=path, line=exc.line, field=exc.field, hint=exc.hint) from None
    if not isinstance(data, dict):
        raise ConfigError("a mapping file must be a YAML mapping (key: value)", path=path, line=1)

    def err(msg: str, key: str, node=None, sub=None, hint=None):
        node = data if node is None else node
        return ConfigError(msg, path=path, line=line_of(node, sub if sub is not None else key.split(".")[-1]),
                           field=key, hint=hint)

    def check_keys(node, known: dict[str, str], prefix: str) -> None:
        for k in node:
            if k not in known:
                raise err(f"unknown key {k!r}", f"{prefix}{k}", node, k,
                          hint=did_you_mean(str(k), known) or f"known keys: {', '.join(known)}")

    def section(key: str, known: dict[str, str]) -> dict[str, Any]:
        node = data.get(key)
        if node is None:
            return LineDict()
        if not isinstance(node, dict):
            raise err(f"{key} must be a mapping of keys", key)
        check_keys(node, known, f"{key}.")
        return node

    check_keys(data, TOP_KEYS, "")
    spec = MappingSpec(path=path, lines=dict(getattr(data, "lines", {})))
    spec.format = _opt_str(data, "format", err)
    if spec.format is not None:
        spec.format = spec.format.lower()
    spec.encoding = _opt_str(data, "encoding", err)
    if spec.encoding:
        try:
            check_encoding_name(spec.encoding)
        except QAError as exc:
            raise err(exc.message, "encoding", hint=exc.hint) from None
    spec.delimiter = _opt_str(data, "delimiter", err)
    if spec.delimiter is not None and len(spec.delimiter) != 1:
        raise err(f"delimiter must be one character, got {spec.delimiter!r}", "delimiter",
                  hint='write a tab as "\\t" (in double quotes)')
    if "quotechar" in data:
        spec.quotechar_set = True
        spec.quotechar = _opt_str(data, "quotechar", err)
        if spec.quotechar is not None and len(spec.quotechar) != 1:
            raise err("quotechar must be one character or null", "quotechar")
    if "header" in data:
        if not isinstance(data["header"], bool):
            raise err("header must be true or false", "header")
        spec.header = data["header"]
    if data.get("columns") is not None:
        cols = data["columns"]
        if not isinstance(cols, list) or not cols or not all(isinstance(c, (str, int)) for c in cols):
            raise err("columns must be a non-empty list of names", "columns")
        names = [str(c) for c in cols]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise err(f"duplicate column name {sorted(dup)[0]!r}", "columns")
        spec.columns = names
    conv = section("conversation", CONVERSATION_KEYS)
    turn = section("turn", TURN_KEYS)
    spec.conversation = {k: v for k, v in conv.items()}
    spec.turn = {k: v for k, v in turn.items() if k != "roles"}
    for key, node in (("conversation", conv), ("turn", turn)):
        for k, v in node.items():
            if k in ("metadata", "meta", "roles", "group", "channel", "language", "ts_format"):
                continue
            if v is not None and not isinstance(v, (str, int)):
                raise err(f"{key}.{k} must name a column", f"{key}.{k}", node, k)
    if turn.get("ts_format") is not None and not isinstance(turn["ts_format"], str):
        raise err("turn.ts_format must be a strptime format such as '%Y-%m-%d %H:%M:%S'", "turn.ts_format", turn,
                  "ts_format")
    group = conv.get("group", "consecutive")
    if group not in GROUPS:
        raise err(f"unknown grouping {group!r}; expected one of {list(GROUPS)}", "conversation.group", conv, "group",
                  hint=did_you_mean(str(group), GROUPS))
    spec.conversation["group"] = group
    for key, node, sub in (("conversation.metadata", conv, "metadata"), ("turn.meta", turn, "meta")):
        v = node.get(sub)
        if v is None:
            continue
        if isinstance(v, list):
            node_val = {str(c): c for c in v}
        elif isinstance(v, dict):
            node_val = {str(k): c for k, c in v.items()}
        else:
            raise err(f"{key} must be a list of columns or a mapping key: column", key, node, sub)
        (spec.conversation if sub == "metadata" else spec.turn)[sub] = node_val
    if turn.get("roles") is not None:
        if not isinstance(turn["roles"], dict):
            raise err("turn.roles must map values to roles, e.g. {1: agent, 0: customer}", "turn.roles", turn, "roles")
        for k, v in turn["roles"].items():
            if v not in ROLES:
                raise err(f"value {k!r} maps to {v!r}, which is not a role; use one of {list(ROLES)}",
                          f"turn.roles.{k}", turn["roles"], k)
            spec.turn_roles[str(k).strip()] = v
    if data.get("roles") is not None:
        if not isinstance(data["roles"], dict):
            raise err("roles must map speaker names to roles", "roles")
        try:
            spec.roles = parse_role_map(data["roles"], "roles")
        except QAError as exc:
            raise err(exc.message, exc.field or "roles", data["roles"], str(exc.field).rsplit(".", 1)[-1]) from None
    if data.get("null_values") is not None:
        nv = data["null_values"]
        if not isinstance(nv, list):
            raise err("null_values must be a list of strings", "null_values")
        spec.null_values = frozenset(str(v) for v in nv)
    for key in ("merge_consecutive",):
        if key in data:
            if not isinstance(data[key], bool):
                raise err(f"{key} must be true or false", key)
            spec.merge_consecutive = data[key]
    if "merge_separator" in data:
        spec.merge_separator = str(data["merge_separator"])
    for key in ("line_pattern", "separator"):
        pat = _opt_str(data, key, err)
        if pat is not None:
            try:
                compiled = re.compile(pat)
            except (re.error, OverflowError, RecursionError) as exc:
                raise err(f"invalid regular expression: {exc}", key) from None
            if key == "line_pattern" and not {"speaker", "text"} <= set(compiled.groupindex):
                raise err("line_pattern needs named groups (?P<speaker>…) and (?P<text>…)", key)
        setattr(spec, key, pat)
    tz = _opt_str(data, "timezone", err)
    if tz is not None:
        try:
            spec.timezone = parse_offset(tz)
        except ValueError as exc:
            raise err(str(exc), "timezone") from None
    for key in ("channel",):
        val = data.get(key) if key in data else conv.get(key)
        if val is not None and val not in CHANNELS:
            raise err(f"unknown channel {val!r}; expected one of {list(CHANNELS)}", key,
                      data if key in data else conv, key)
        spec.channel = val
    lang = data.get("language", conv.get("language"))
    if lang is not None and (not isinstance(lang, str) or not lang):
        raise err("language must be a code such as zh or en", "language")
    spec.language = lang
    return spec


def _opt_str(data: dict, key: str, err) -> str | None:
    v = data.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise err(f"{key} must be a string", key)
    return v


def parse_offset(text: str) -> timezone:
    """``+08:00``, ``-0500``, ``UTC`` or ``Z`` → a fixed-offset time zone."""
    t = text.strip()
    if t.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc

    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", t, re.IGNORECASE)
    if not m:
        raise ValueError(f"not a UTC offset: {text!r} (write it like +08:00)")
    sign = 1 if m.group(1) == "+" else -1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"not a UTC offset: {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))

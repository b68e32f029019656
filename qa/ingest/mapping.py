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
from qa.schema import Field, Schema, Where

_COLUMN = (str, int, bool)  # a column: its name, or its 1-based number
_ANY = (str, int, float, bool)
COLUMN = "a column (name or 1-based number)"

MAPPING = Schema({
    "format": Field(str, "reader to use: csv, tsv, chatlog, vtt, srt, whisper, transcribe …"),
    "encoding": Field(str, "input encoding (default: detected)"),
    "delimiter": Field(str, "field separator of delimited text (default ',' for csv, tab for tsv)"),
    "quotechar": Field(str, "quote character of delimited text; null for none (default '\"' for csv, none for tsv)"),
    "header": Field(bool, "true when the first row names the columns", message="header must be true or false"),
    "columns": Field(list, "column names, in order, when there is no header (or to rename it)", kind="a list of names",
                     message="columns must be a non-empty list of names"),
    "conversation": Field(dict, "how rows become conversations: id, group, channel, language, agent_id, team, metadata",
                          message="conversation must be a mapping of keys"),
    "turn": Field(dict, "how a row becomes a turn: role, roles, text, ts, ts_format, speaker, meta",
                  message="turn must be a mapping of keys"),
    "null_values": Field(list, "cell values that mean 'empty' (default: '', nan, NULL, null, None)", kind="a list of strings",
                         message="null_values must be a list of strings"),
    "merge_consecutive": Field(bool, "join consecutive rows of the same role into one turn",
                               default=False, message="merge_consecutive must be true or false"),
    "merge_separator": Field(_ANY, "text put between merged rows", default=" ", kind="text"),
    "roles": Field(dict, "speaker name → role, for chat logs, subtitles and ASR output",
                   message="roles must map speaker names to roles"),
    "line_pattern": Field(str, "chat logs: regex with named groups speaker and text (and date, time, ts)"),
    "separator": Field(str, "chat logs: regex of a line that starts a new conversation (group 'id' names it)"),
    "timezone": Field(str, "UTC offset for times written without one, e.g. '+08:00'"),
    "channel": Field(_ANY, "the channel of every conversation", kind="chat or call"),
    "language": Field(_ANY, "the language of every conversation", kind="a language code (zh, en …)"),
})
CONVERSATION = Schema({
    "id": Field(_COLUMN, "column holding the conversation id", kind=COLUMN, message="conversation.id must name a column"),
    "group": Field(_ANY, "consecutive: a new conversation when the id changes; file: the whole file is one",
                   default="consecutive", kind="consecutive or file"),
    "channel": Field(_ANY, "the channel of the conversations", kind="chat or call"),
    "language": Field(_ANY, "the language of the conversations", kind="a language code (zh, en …)"),
    "agent_id": Field(_COLUMN, "column holding the agent id", kind=COLUMN, message="conversation.agent_id must name a column"),
    "team": Field(_COLUMN, "column holding the team", kind=COLUMN, message="conversation.team must name a column"),
    "started_at": Field(_COLUMN, "column holding the conversation start time",
                        message="conversation.started_at must name a column"),
    "metadata": Field((list, dict), "columns copied into the conversation's metadata",
                      kind="a list of columns or {key: column}",
                      message="conversation.metadata must be a list of columns or a mapping key: column"),
})
TURN = Schema({
    "role": Field(_COLUMN, "column holding the speaker role", kind=COLUMN, message="turn.role must name a column"),
    "roles": Field(dict, "value → role, e.g. {1: agent, 0: customer}",
                   message="turn.roles must map values to roles, e.g. {1: agent, 0: customer}"),
    "text": Field(_COLUMN, "column holding the message text", kind=COLUMN, message="turn.text must name a column"),
    "ts": Field(_COLUMN, "column holding the message time", kind=COLUMN, message="turn.ts must name a column"),
    "ts_format": Field(str, "strptime format of ts (default ISO 8601 or 'YYYY-MM-DD HH:MM:SS')",
                       message="turn.ts_format must be a strptime format such as '%Y-%m-%d %H:%M:%S'"),
    "start": Field(_COLUMN, "column holding seconds from call start", kind=COLUMN, message="turn.start must name a column"),
    "end": Field(_COLUMN, "column holding seconds from call start", kind=COLUMN, message="turn.end must name a column"),
    "speaker": Field(_COLUMN, "column holding the speaker id", kind=COLUMN, message="turn.speaker must name a column"),
    "meta": Field((list, dict), "columns copied into the turn's meta", kind="a list of columns or {key: column}",
                  message="turn.meta must be a list of columns or a mapping key: column"),
})
# the documented keys, by section (docs/format.md renders them)
TOP_KEYS = {k: f.doc for k, f in MAPPING.fields.items()}
CONVERSATION_KEYS = {k: f.doc for k, f in CONVERSATION.fields.items()}
TURN_KEYS = {k: f.doc for k, f in TURN.fields.items()}
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

    where = Where(path, ConfigError)

    def err(msg: str, key: str, node=None, sub=None, hint=None):
        node = data if node is None else node
        return ConfigError(msg, path=path, line=line_of(node, sub if sub is not None else key.split(".")[-1]),
                           field=key, hint=hint)

    top = MAPPING.check(data, where)
    conv = data.get("conversation") or LineDict()
    turn = data.get("turn") or LineDict()
    conv_values = CONVERSATION.check(conv, where.inside("conversation"))
    turn_values = TURN.check(turn, where.inside("turn"))
    spec = MappingSpec(path=path, lines=dict(getattr(data, "lines", {})))
    spec.format = top["format"].lower() if top["format"] is not None else None
    spec.encoding = top["encoding"]
    if spec.encoding:
        try:
            check_encoding_name(spec.encoding)
        except QAError as exc:
            raise err(exc.message, "encoding", hint=exc.hint) from None
    spec.delimiter = top["delimiter"]
    if spec.delimiter is not None and len(spec.delimiter) != 1:
        raise err(f"delimiter must be one character, got {spec.delimiter!r}", "delimiter",
                  hint='write a tab as "\\t" (in double quotes)')
    if "quotechar" in data:
        spec.quotechar_set = True
        spec.quotechar = top["quotechar"]
        if spec.quotechar is not None and len(spec.quotechar) != 1:
            raise err("quotechar must be one character or null", "quotechar")
    spec.header = top["header"]
    if top["columns"] is not None:
        cols = top["columns"]
        if not cols or not all(isinstance(c, (str, int)) for c in cols):
            raise err("columns must be a non-empty list of names", "columns")
        names = [str(c) for c in cols]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise err(f"duplicate column name {sorted(dup)[0]!r}", "columns")
        spec.columns = names
    spec.conversation = {k: v for k, v in conv.items()}
    spec.turn = {k: v for k, v in turn.items() if k != "roles"}
    group = conv_values["group"] if conv_values["group"] is not None else "consecutive"
    if group not in GROUPS:
        raise err(f"unknown grouping {group!r}; expected one of {list(GROUPS)}", "conversation.group", conv, "group",
                  hint=did_you_mean(str(group), GROUPS))
    spec.conversation["group"] = group
    for sub, values, target in (("metadata", conv_values, spec.conversation), ("meta", turn_values, spec.turn)):
        v = values[sub]
        if v is not None:
            target[sub] = {str(c): c for c in v} if isinstance(v, list) else {str(k): c for k, c in v.items()}
    if turn_values["roles"] is not None:
        for k, v in turn_values["roles"].items():
            if v not in ROLES:
                raise err(f"value {k!r} maps to {v!r}, which is not a role; use one of {list(ROLES)}",
                          f"turn.roles.{k}", turn["roles"], k)
            spec.turn_roles[str(k).strip()] = v
    if top["roles"] is not None:
        try:
            spec.roles = parse_role_map(top["roles"], "roles")
        except QAError as exc:
            raise err(exc.message, exc.field or "roles", data["roles"], str(exc.field).rsplit(".", 1)[-1]) from None
    if top["null_values"] is not None:
        spec.null_values = frozenset(str(v) for v in top["null_values"])
    spec.merge_consecutive = top["merge_consecutive"]
    if "merge_separator" in data:
        spec.merge_separator = str(data["merge_separator"])
    for key in ("line_pattern", "separator"):
        pat = top[key]
        if pat is not None:
            try:
                compiled = re.compile(pat)
            except (re.error, OverflowError, RecursionError) as exc:
                raise err(f"invalid regular expression: {exc}", key) from None
            if key == "line_pattern" and not {"speaker", "text"} <= set(compiled.groupindex):
                raise err("line_pattern needs named groups (?P<speaker>…) and (?P<text>…)", key)
        setattr(spec, key, pat)
    if top["timezone"] is not None:
        try:
            spec.timezone = parse_offset(top["timezone"])
        except ValueError as exc:
            raise err(str(exc), "timezone") from None
    val = data.get("channel") if "channel" in data else conv.get("channel")
    if val is not None and val not in CHANNELS:
        raise err(f"unknown channel {val!r}; expected one of {list(CHANNELS)}", "channel",
                  data if "channel" in data else conv, "channel")
    spec.channel = val
    lang = data.get("language", conv.get("language"))
    if lang is not None and (not isinstance(lang, str) or not lang):
        raise err("language must be a code such as zh or en", "language")
    spec.language = lang
    return spec


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

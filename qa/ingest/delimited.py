"""Delimited text (CSV, TSV), one turn per row, laid out by a mapping file.

Without ``--mapping`` the file needs a header whose names qa knows (``conversation_id``, ``role``,
``text``, ``ts`` … and Chinese equivalents, see ``ALIASES``). Rows are grouped into conversations
in input order: ``consecutive`` starts a new conversation whenever the id changes (an id seen
again later is a duplicate and rejected), ``file`` makes the whole file one conversation.

Every row is accounted for: a row that cannot be decoded or has no id is its own reject; a bad row
inside a conversation (unknown role, empty text, bad time) rejects that conversation, naming the
row's line and the column.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qa.errors import ConfigError, InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.common import Settings, build, parse_when, settings, stem, turn_lines
from qa.ingest.encoding import detect_encoding, iter_lines, read_head
from qa.ingest.mapping import DEFAULT_NULLS, MappingSpec
from qa.model import Conversation, Reject, SourceRef

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("conversation_id", "conversation", "session_id", "session", "chat_id", "call_id", "dialog_id", "id",
           "会话id", "会话编号", "对话id", "会话"),
    "role": ("role", "speaker_role", "sender_role", "sender", "speaker", "角色", "发送方", "说话人"),
    "text": ("text", "content", "message", "msg", "utterance", "内容", "消息", "文本", "聊天内容"),
    "ts": ("ts", "timestamp", "time", "datetime", "sent_at", "created_at", "时间", "发送时间"),
    "agent_id": ("agent_id", "agent", "staff_id", "客服id", "坐席", "坐席工号", "客服工号", "工号"),
    "team": ("team", "group", "queue", "团队", "组别", "班组"),
}


@dataclass
class Layout:
    """Where each field lives in a row (column indices), resolved against the header or mapping."""

    columns: list[str]
    id: int | None
    role: int
    text: int
    ts: int | None = None
    start: int | None = None
    end: int | None = None
    speaker: int | None = None
    agent_id: int | None = None
    team: int | None = None
    started_at: int | None = None
    metadata: dict[str, int] = field(default_factory=dict)
    meta: dict[str, int] = field(default_factory=dict)


class DelimitedReader(Reader):
    """CSV or TSV conversations; ``--mapping FILE`` says which column is what."""

    def __init__(self, name: str, delimiter: str, extensions: tuple[str, ...], description: str):
        self.name = name
        self.delimiter = delimiter
        self.extensions = extensions
        self.description = description

    def sniff(self, path: str, head: bytes) -> bool:
        try:
            text = head.decode(detect_encoding(head).name, "replace")
        except InputError:
            return False
        lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
        if len(lines) < 2:
            return False
        counts = {ln.count(self.delimiter) for ln in lines[:-1]}
        if len(counts) != 1 or 0 in counts:
            return False
        header = [c.strip().strip('"').lower() for c in lines[0].split(self.delimiter)]
        return _guess_index(header, "text") is not None and _guess_index(header, "role") is not None

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        spec = cfg.spec or MappingSpec()
        delimiter = spec.delimiter or self.delimiter
        if spec.quotechar_set:
            quotechar = spec.quotechar
        else:
            quotechar = '"' if delimiter == "," else None
        header = spec.header if spec.header is not None else (cfg.spec is None or spec.columns is None)
        enc = detect_encoding(read_head(path), cfg.encoding)
        state = _Feed(iter_lines(path, enc, options.max_record_bytes, options.progress))
        kw: dict[str, Any] = {"delimiter": delimiter, "strict": False}
        if quotechar is None:
            kw["quoting"] = csv.QUOTE_NONE
        else:
            kw["quotechar"] = quotechar
        rows = csv.reader(state, **kw)
        layout: Layout | None = None
        if not header:
            layout = _layout(spec, spec.columns or [], cfg, path)
        group = _Group()
        nulls = spec.null_values if cfg.spec else frozenset(DEFAULT_NULLS)
        while True:
            state.start = None
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Reject(SourceRef(path, state.start), f"malformed row: {exc}", raw=state.last)
                continue
            lineno = state.start
            if lineno in state.errors:
                yield Reject(SourceRef(path, lineno), state.errors.pop(lineno), raw=state.raws.pop(lineno, None))
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if layout is None:
                names = [c.strip().lstrip("\ufeff") for c in row]
                layout = _layout(spec, spec.columns or names, cfg, path, header_row=names)
                continue
            raw = state.raw_of(lineno)

            def cell(idx: int | None, row=row) -> str | None:
                if idx is None or idx >= len(row):
                    return None
                v = row[idx]
                return None if v.strip() in nulls else v

            if spec.conversation.get("group") == "file":
                cid = stem(path)
            else:
                cid = cell(layout.id)
                if cid is None or not cid.strip():
                    fld = layout.columns[layout.id] if layout.id < len(layout.columns) else None
                    reason = ("empty conversation id" if layout.id < len(row)
                              else f"row has {len(row)} column(s), expected {len(layout.columns)}")
                    yield Reject(SourceRef(path, lineno), reason, field=fld, raw=raw)
                    continue
                cid = cid.strip()
            if group.id is not None and cid != group.id:
                yield from _flush(group, path, cfg, layout)
                group = _Group()
            if group.id is None:
                group.id, group.line = cid, lineno
                group.conv = _conv_fields(layout, cell)
            if group.error is None:
                _add_row(group, row, lineno, raw, layout, cell, spec, cfg)
        yield from _flush(group, path, cfg, layout)


def _add_row(group: _Group, row: list[str], lineno: int, raw: str | None, layout: Layout, cell, spec: MappingSpec,
             cfg: Settings) -> None:
    if len(row) != len(layout.columns):
        fld = layout.columns[len(row)] if len(row) < len(layout.columns) else None
        hint = "" if len(row) < len(layout.columns) else " (is the delimiter or quoting right?)"
        group.error = (lineno, fld, f"row has {len(row)} column(s), expected {len(layout.columns)}{hint}", raw)
        return
    try:
        turn = _turn(layout, cell, spec, cfg)
    except InputError as exc:
        group.error = (lineno, exc.field, exc.message, raw)
        return
    if (spec.merge_consecutive and group.turns and group.turns[-1]["role"] == turn["role"]
            and group.turns[-1].get("speaker") == turn.get("speaker")):
        prev = group.turns[-1]
        prev["text"] = prev["text"] + spec.merge_separator + turn["text"]
        if "end" in turn:
            prev["end"] = turn["end"]
        prev.setdefault("meta", {}).setdefault("rows", [group.lines[-1]]).append(lineno)
        return
    group.turns.append(turn)
    group.lines.append(lineno)


@dataclass
class _Group:
    id: str | None = None
    line: int | None = None
    conv: dict[str, Any] = field(default_factory=dict)
    turns: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    error: tuple | None = None


class _Feed:
    """Feeds decoded lines to csv.reader, noting where each row starts and which lines failed."""

    def __init__(self, lines):
        self.lines = lines
        self.start: int | None = None
        self.errors: dict[int, str] = {}
        self.raws: dict[int, str | None] = {}
        self.last: str | None = None
        self._recent: dict[int, str] = {}

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        if self.start is None:
            self.start = line.no
        if line.error is not None:
            self.errors[line.no] = line.error
            self.raws[line.no] = line.raw
            self.last = line.raw
            return ""
        self.last = line.text
        if len(self._recent) > 64:
            self._recent.clear()
        self._recent[line.no] = line.text
        return line.text + "\n"

    def raw_of(self, lineno: int) -> str | None:
        return self._recent.get(lineno)


def _flush(group: _Group, path: str, cfg: Settings, layout: Layout | None) -> Iterator[Conversation | Reject]:
    if group.id is None:
        return
    if group.error is not None:
        line, fld, reason, raw = group.error
        yield Reject(SourceRef(path, line), reason, field=fld, raw=raw, conversation_id=group.id)
        return
    if not group.turns:
        return
    d = {"id": group.id, "channel": cfg.channel or "chat", **group.conv, "turns": group.turns}
    if cfg.language:
        d["language"] = cfg.language
    field_line = turn_lines(group.lines, group.line)

    rec = build(d, SourceRef(path, group.line), cfg, field_line)
    if isinstance(rec, Reject) and rec.field and rec.field.startswith("turns["):
        key = rec.field.split(".", 1)[1].split("[")[0] if "." in rec.field else None
        idx = getattr(layout, key, None) if key in ("role", "text", "ts", "start", "end", "speaker") else None
        if idx is not None:
            rec.field = layout.columns[idx]
    yield rec


def _conv_fields(layout: Layout, cell) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("agent_id", "team", "started_at"):
        v = cell(getattr(layout, key))
        if v is not None and v.strip():
            out[key] = v.strip()
    meta = {k: cell(i) for k, i in layout.metadata.items() if cell(i) is not None}
    if meta:
        out["metadata"] = meta
    return out


def _turn(layout: Layout, cell, spec: MappingSpec, cfg: Settings) -> dict[str, Any]:
    col = layout.columns
    raw_role = cell(layout.role)
    role = None
    if raw_role is not None:
        v = raw_role.strip()
        if spec.turn_roles:
            role = spec.turn_roles.get(v)
            if role is None:
                role = {k.casefold(): r for k, r in spec.turn_roles.items()}.get(v.casefold())
        else:
            role = cfg.role(v)
    if role is None:
        known = ", ".join(repr(k) for k in spec.turn_roles) if spec.turn_roles else "agent/customer names"
        raise InputError(f"unknown role value {raw_role!r}; expected one of {known}", field=col[layout.role])
    text = cell(layout.text)
    if text is None or not text.strip():
        raise InputError("empty text", field=col[layout.text])
    turn: dict[str, Any] = {"role": role, "text": text}
    if layout.ts is not None and cell(layout.ts) is not None:
        try:
            turn["ts"] = parse_when(cell(layout.ts), spec.turn.get("ts_format"), cfg.tz).isoformat()
        except InputError as exc:
            raise InputError(exc.message, field=col[layout.ts], hint=exc.hint) from None
    for key in ("start", "end"):
        idx = getattr(layout, key)
        if idx is not None and cell(idx) is not None:
            try:
                turn[key] = float(cell(idx))
            except ValueError:
                raise InputError(f"not a number of seconds: {cell(idx)!r}", field=col[idx]) from None
    if layout.speaker is not None and cell(layout.speaker) is not None:
        turn["speaker"] = cell(layout.speaker).strip()
    meta = {k: cell(i) for k, i in layout.meta.items() if cell(i) is not None}
    if meta:
        turn["meta"] = meta
    return turn


def _guess_index(names: list[str], key: str) -> int | None:
    lowered = [n.strip().lower() for n in names]
    for alias in ALIASES[key]:
        if alias in lowered:
            return lowered.index(alias)
    return None


def _layout(spec: MappingSpec, columns: list[str], cfg: Settings, path: str,
            header_row: list[str] | None = None) -> Layout:
    """Resolve mapping column references (names or 1-based numbers) to indices."""
    mpath = spec.path

    def find(ref: Any, key: str) -> int | None:
        if ref is None:
            return None
        if isinstance(ref, int) and not isinstance(ref, bool):
            if 1 <= ref <= max(len(columns), 1) or not columns:
                return ref - 1
        elif str(ref) in columns:
            return columns.index(str(ref))
        raise ConfigError(f"no column {ref!r}; the columns are {columns}", path=mpath,
                          line=spec.line(key.split(".")[0]), field=key,
                          hint="name columns with columns: [...] when the file has no header")

    if cfg.spec is None:
        if header_row is None:
            raise InputError("no header row", path=path, hint="pass --mapping FILE (see docs/format.md)")
        idx = {k: _guess_index(columns, k) for k in ALIASES}
        missing = [k for k in ("role", "text") if idx[k] is None]
        if missing:
            raise InputError(f"cannot tell which column holds the {' and '.join(missing)}; header is {columns}",
                             path=path, hint="pass --mapping FILE naming the columns (see docs/format.md)")
        if idx["id"] is None:
            raise InputError(f"cannot tell which column holds the conversation id; header is {columns}",
                             path=path, hint="pass --mapping FILE with conversation.group: file for one per file")
        return Layout(columns, idx["id"], idx["role"], idx["text"], ts=idx["ts"], agent_id=idx["agent_id"],
                      team=idx["team"])
    if not columns:
        raise ConfigError("the file has no header, so the mapping must list columns: [...]", path=mpath,
                          field="columns")
    conv, turn = spec.conversation, spec.turn
    for required in ("role", "text"):
        if turn.get(required) is None:
            raise ConfigError(f"turn.{required} is required: the column holding the {required}", path=mpath,
                              line=spec.line("turn"), field=f"turn.{required}")
    cid = None
    if conv.get("group", "consecutive") != "file":
        if conv.get("id") is None:
            raise ConfigError("conversation.id is required (the id column), or set conversation.group: file",
                              path=mpath, line=spec.line("conversation"), field="conversation.id")
        cid = find(conv["id"], "conversation.id")
    return Layout(
        columns=columns, id=cid, role=find(turn["role"], "turn.role"), text=find(turn["text"], "turn.text"),
        ts=find(turn.get("ts"), "turn.ts"), start=find(turn.get("start"), "turn.start"),
        end=find(turn.get("end"), "turn.end"), speaker=find(turn.get("speaker"), "turn.speaker"),
        agent_id=find(conv.get("agent_id"), "conversation.agent_id"), team=find(conv.get("team"), "conversation.team"),
        started_at=find(conv.get("started_at"), "conversation.started_at"),
        metadata={k: find(v, "conversation.metadata") for k, v in (conv.get("metadata") or {}).items()},
        meta={k: find(v, "turn.meta") for k, v in (turn.get("meta") or {}).items()},
    )

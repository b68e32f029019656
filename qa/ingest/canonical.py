"""The canonical conversation format: dict <-> Conversation, with precise errors.

Most records are valid, so a turn is first tried on a fast path that only accepts the plain case
(known keys, string text, ISO time, finite non-negative call times, no words). Anything else goes
through the full validation, which is the only place errors are raised, so messages never depend
on the fast path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qa.errors import InputError
from qa.model import CHANNELS, ROLES, Conversation, SourceRef, Turn, Word

TOP_KEYS = {"id", "channel", "language", "agent_id", "team", "started_at", "metadata", "turns", "format_version"}
TURN_KEYS = {"role", "text", "ts", "start", "end", "speaker", "words", "meta"}
_PLAIN_TURN_KEYS = frozenset(TURN_KEYS - {"words"})
_MAX_SECONDS = 1e15  # beyond this a JSON integer may not even convert to a float; the full path explains


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InputError(f"expected an ISO 8601 time string, got {type(value).__name__}", field=field)
    try:
        dt = _iso(value)
    except ValueError:
        raise InputError(f"not an ISO 8601 time: {value!r}", field=field) from None
    return dt


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"expected a number of seconds, got {value!r}", field=field)
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"expected a finite number, got {value!r}", field=field)
    try:
        return float(value)
    except OverflowError:
        raise InputError(f"number too large for seconds: {str(value)[:20]}… ({len(str(value))} digits)",
                         field=field) from None


def _opt_str(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {type(value).__name__}", field=field)
    return value


def conversation_from_dict(d: Any, source: SourceRef | None = None) -> Conversation:
    """Build a Conversation from its canonical dict, raising InputError naming the bad field."""
    if not isinstance(d, dict):
        raise InputError(f"expected a JSON object per line, got {type(d).__name__}")
    unknown = set(d) - TOP_KEYS if not TOP_KEYS.issuperset(d) else None
    if unknown:
        raise InputError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}", field=sorted(unknown)[0])
    cid = d.get("id")
    if cid is None or cid == "":
        raise InputError("missing conversation id", field="id")
    cid = _opt_str(cid, "id")
    channel = d.get("channel", "chat")
    if channel not in CHANNELS:
        raise InputError(f"unknown channel {channel!r}; expected one of {list(CHANNELS)}", field="channel")
    language = d.get("language", "zh")
    if not isinstance(language, str) or not language:
        raise InputError("language must be a non-empty string such as 'zh' or 'en'", field="language")
    metadata = d.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InputError("metadata must be an object", field="metadata")
    started_at = parse_time(d["started_at"], "started_at") if d.get("started_at") is not None else None
    raw_turns = d.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        raise InputError("turns must be a non-empty list", field="turns")
    turns = [_plain_turn(t) or turn_from_dict(t, i) for i, t in enumerate(raw_turns)]
    check_time_order(turns)
    return Conversation(
        id=cid,
        turns=turns,
        channel=channel,
        language=language,
        agent_id=_opt_str(d.get("agent_id"), "agent_id"),
        team=_opt_str(d.get("team"), "team"),
        started_at=started_at,
        metadata=metadata,
        source=source,
    )


def _plain_turn(t: Any) -> Turn | None:
    """The Turn for a plain, valid turn dict; None when it needs the full validation of :func:`turn_from_dict`."""
    if type(t) is not dict or not _PLAIN_TURN_KEYS.issuperset(t):
        return None
    role = t.get("role")
    text = t.get("text")
    if role not in ROLES or type(text) is not str or not text or text.isspace():
        return None
    ts = t.get("ts")
    if ts is not None:
        if type(ts) is not str:
            return None
        try:
            ts = _iso(ts) if ts.endswith("Z") else datetime.fromisoformat(ts)
        except ValueError:
            return None
    start = t.get("start")
    end = t.get("end")
    if start is not None or end is not None:
        for value in (start, end):
            if value is not None and (type(value) not in (int, float) or not 0 <= value < _MAX_SECONDS):
                return None
        if start is not None and end is not None and end < start:
            return None
    speaker = t.get("speaker")
    meta = t.get("meta")
    if (speaker is not None and type(speaker) is not str) or (meta is not None and type(meta) is not dict):
        return None
    # positional (field order of Turn: role, text, ts, start, end, speaker, words, meta): 3x faster than keywords
    return Turn(role, text, ts, None if start is None else float(start), None if end is None else float(end),
                speaker, None, meta or {})


def turn_from_dict(t: Any, i: int) -> Turn:
    where = f"turns[{i}]"
    if not isinstance(t, dict):
        raise InputError(f"expected an object, got {type(t).__name__}", field=where)
    unknown = set(t) - TURN_KEYS
    if unknown:
        raise InputError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(TURN_KEYS)}", field=f"{where}.{sorted(unknown)[0]}")
    role = t.get("role")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {list(ROLES)}", field=f"{where}.role")
    text = t.get("text")
    if not isinstance(text, str):
        raise InputError("text must be a string", field=f"{where}.text")
    if not text.strip():
        raise InputError("empty text", field=f"{where}.text")
    ts = parse_time(t["ts"], f"{where}.ts") if t.get("ts") is not None else None
    start = _number(t["start"], f"{where}.start") if t.get("start") is not None else None
    end = _number(t["end"], f"{where}.end") if t.get("end") is not None else None
    for key, value in (("start", start), ("end", end)):
        if value is not None and value < 0:
            raise InputError(f"{key} {value} is negative; call times are seconds from the call start",
                             field=f"{where}.{key}")
    if start is not None and end is not None and end < start:
        raise InputError(f"end {end} is before start {start}", field=f"{where}.end")
    words = None
    if t.get("words") is not None:
        if not isinstance(t["words"], list):
            raise InputError("words must be a list of {w, start, end}", field=f"{where}.words")
        words = []
        for j, w in enumerate(t["words"]):
            wf = f"{where}.words[{j}]"
            if not isinstance(w, dict) or not isinstance(w.get("w"), str):
                raise InputError("expected {w: str, start: s, end: s}", field=wf)
            words.append(Word(w["w"], _number(w.get("start"), wf + ".start"), _number(w.get("end"), wf + ".end")))
    meta = t.get("meta") or {}
    if not isinstance(meta, dict):
        raise InputError("meta must be an object", field=f"{where}.meta")
    return Turn(role=role, text=text, ts=ts, start=start, end=end,
                speaker=_opt_str(t.get("speaker"), f"{where}.speaker"), words=words, meta=meta)


def check_time_order(turns: list[Turn]) -> None:
    """Turns must be in time order: chat ``ts`` never goes backwards, call ``start`` neither."""
    last_ts = None
    last_start = None
    for i, t in enumerate(turns):
        if t.ts is not None:
            if last_ts is not None:
                try:
                    backwards = t.ts < last_ts
                except TypeError:
                    raise InputError("mixes times with and without a UTC offset", field=f"turns[{i}].ts") from None
                if backwards:
                    raise InputError(
                        f"time goes backwards: {t.ts.isoformat()} is before the previous turn's {last_ts.isoformat()}",
                        field=f"turns[{i}].ts",
                    )
            last_ts = t.ts
        if t.start is not None:
            if last_start is not None and t.start < last_start:
                raise InputError(
                    f"turns out of time order: start {t.start} is before the previous turn's {last_start}",
                    field=f"turns[{i}].start",
                )
            last_start = t.start

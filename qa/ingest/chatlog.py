"""Plain-text chat logs as exported by chat tools, one message per line.

Recognised shapes (``--line-pattern`` or a mapping's ``line_pattern`` replaces them)::

    2026-11-01 09:00:03 客服小王: 您好，很高兴为您服务
    [2026-11-01 09:00:03] 客户：我的快递怎么还没到
    [09:00:03] 客户: 我的快递怎么还没到
    客服: 您好                                  (no time)

A line that does not match continues the previous message (multi-line messages). Speakers map to
roles through the role names (客服/坐席/agent → agent, 客户/用户/caller → customer; ``--role`` adds
more). Conversations: one per file (id = file name), or — the separator rule — a line of three or
more ``-`` or ``=`` (optionally with ``会话``/``conversation``/``session`` and an id, e.g.
``=== 会话 c-001 ===``) starts the next conversation. A date alone on a line (``2026-11-01`` or
``—— 2026-11-01 ——``) sets the date for times written without one; failing that, a date in the
file name is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.common import Settings, build, parse_when, settings, stem, turn_lines
from qa.ingest.encoding import detect_encoding, iter_lines, read_head
from qa.ingest.jsondoc import head_text
from qa.ingest.roles import unknown_role_hint
from qa.model import Conversation, Reject, SourceRef

_SPEAKER = r"(?P<speaker>[^\s:：\[\]][^:：\[\]]{0,39}?)"
_DATE = r"(?P<date>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\.\d{1,6})?)"
PATTERNS = (
    re.compile(rf"^\s*\[?{_DATE}[ T]{_TIME}\]?\s+{_SPEAKER}\s*[:：]\s?(?P<text>.*)$"),
    re.compile(rf"^\s*\[{_TIME}\]\s*{_SPEAKER}\s*[:：]\s?(?P<text>.*)$"),
    re.compile(rf"^\s*{_TIME}\s+{_SPEAKER}\s*[:：]\s?(?P<text>.*)$"),
    re.compile(rf"^\s*{_SPEAKER}\s*[:：]\s?(?P<text>.*)$"),
)
SEPARATOR = re.compile(
    r"^\s*(?:-{3,}|={3,})\s*(?:(?:会话|对话|conversation|session|chat|call)\s*(?:id)?\s*[:：#]?\s*(?P<id>[^\s=-][^\s=]*?))?"
    r"\s*(?:-{3,}|={3,})?\s*$", re.IGNORECASE)
DATE_LINE = re.compile(r"^\s*[-—=\s]*(?P<date>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)[-—=\s]*$")
_FILE_DATE = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")


def _parse_date(text: str) -> date:
    y, m, d = (int(x) for x in re.findall(r"\d+", text)[:3])
    return date(y, m, d)


class ChatLogReader(Reader):
    name = "chatlog"
    extensions = (".log", ".txt")
    description = "plain-text chat log lines like '2026-11-01 09:00:03 客服小王: …' or '[09:00:03] 客户: …'"

    def sniff(self, path: str, head: bytes) -> bool:
        lines = [ln for ln in head_text(head).splitlines()[:30] if ln.strip()]
        if len(lines) < 2 or "\t" in lines[0]:
            return False
        timed = sum(1 for ln in lines if PATTERNS[0].match(ln) or PATTERNS[1].match(ln))
        return timed >= max(2, len(lines) // 2)

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        pattern_text = options.line_pattern or (cfg.spec.line_pattern if cfg.spec else None)
        try:
            patterns = (re.compile(pattern_text),) if pattern_text else PATTERNS
        except (re.error, OverflowError, RecursionError) as exc:
            raise InputError(f"invalid line pattern: {exc}", field="line_pattern") from None
        if not {"speaker", "text"} <= set(patterns[0].groupindex):
            raise InputError("the line pattern needs named groups (?P<speaker>…) and (?P<text>…)",
                             field="line_pattern")
        sep_text = cfg.spec.separator if cfg.spec and cfg.spec.separator else None
        separator = re.compile(sep_text) if sep_text else SEPARATOR
        m = _FILE_DATE.search(stem(path))
        file_date = None
        if m:
            try:
                file_date = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                file_date = None
        enc = detect_encoding(read_head(path), cfg.encoding)
        conv = _Conv(stem(path), 1, file_date)
        count = 0
        for line in iter_lines(path, enc, options.max_record_bytes, options.progress):
            if line.error is not None:
                conv.fail(line.no, line.error, None, line.raw)
                continue
            text = line.text
            sep = separator.match(text)
            if sep:
                if conv.turns or conv.error:
                    count += 1
                    yield conv.finish(path, cfg, count)
                cid = sep.groupdict().get("id")
                conv = _Conv(cid or None, line.no + 1, conv.day or file_date, explicit=bool(cid))
                continue
            dl = DATE_LINE.match(text)
            if dl:
                try:
                    conv.day = _parse_date(dl.group("date"))
                except ValueError:
                    conv.fail(line.no, f"not a date: {dl.group('date')!r}", "date", text)
                continue
            for pat in patterns:
                mm = pat.match(text)
                if mm:
                    break
            else:
                mm = None
            if mm is None or (conv.turns and len(patterns) == len(PATTERNS) and mm.re is PATTERNS[-1]
                              and cfg.role(mm.group("speaker")) is None):
                # Not a message line (or "word: …" inside a message): it continues the previous message.
                if conv.turns:
                    conv.turns[-1]["text"] += "\n" + text
                elif text.strip():
                    conv.fail(line.no, "text before the first message does not match the chat line pattern", None,
                              text, hint="pass --line-pattern REGEX with groups speaker and text")
                continue
            conv.add(mm, line.no, text, cfg)
        if conv.turns or conv.error:
            count += 1
            yield conv.finish(path, cfg, count)


class _Conv:
    def __init__(self, cid: str | None, line: int, day: date | None, explicit: bool = False):
        self.id = cid
        self.explicit = explicit
        self.line = line
        self.day = day
        self.turns: list[dict[str, Any]] = []
        self.lines: list[int] = []
        self.error: tuple | None = None
        self.last_time: datetime | None = None

    def fail(self, no: int, reason: str, fld: str | None, raw: str | None, hint: str | None = None) -> None:
        if self.error is None:
            self.error = (no, reason + (f" — {hint}" if hint else ""), fld, raw)

    def add(self, m: re.Match, no: int, raw: str, cfg: Settings) -> None:
        groups = m.groupdict()
        speaker = (groups["speaker"] or "").strip()
        role = cfg.role(speaker)
        if role is None:
            self.fail(no, f"unknown speaker {speaker!r}", "speaker", raw, hint=unknown_role_hint(speaker))
            return
        turn: dict[str, Any] = {"role": role, "text": groups["text"] or ""}
        if speaker.casefold() not in ("agent", "customer", "客服", "客户", "用户", "坐席", "system", "bot"):
            turn["speaker"] = speaker
        try:
            ts = self._time(groups, cfg)
        except ValueError as exc:
            self.fail(no, str(exc), "time", raw)
            return
        if ts is not None:
            turn["ts"] = ts.isoformat()
        elif groups.get("time"):
            turn.setdefault("meta", {})["time"] = groups["time"]
        self.turns.append(turn)
        self.lines.append(no)

    def _time(self, groups: dict[str, str | None], cfg: Settings) -> datetime | None:
        if groups.get("ts"):
            try:
                return parse_when(groups["ts"], None, cfg.tz)
            except InputError as exc:
                raise ValueError(exc.message) from None
        tm = groups.get("time")
        if not tm:
            return None
        try:
            day = _parse_date(groups["date"]) if groups.get("date") else self.day
            if day is None:
                return None
            parts = tm.split(":")
            sec = float(parts[2]) if len(parts) > 2 else 0.0
            t = datetime(day.year, day.month, day.day, int(parts[0]), int(parts[1]), int(sec),
                         round((sec - int(sec)) * 1e6))
        except (ValueError, IndexError, OverflowError) as exc:
            shown = " ".join(v for v in (groups.get("date"), tm) if v)
            raise ValueError(f"not a time: {shown!r} ({exc})") from None
        if not groups.get("date") and self.last_time is not None and t < self.last_time - timedelta(hours=12):
            t += timedelta(days=1)  # the log went past midnight
            self.day = t.date()
        self.last_time = t
        if cfg.tz is not None:
            t = t.replace(tzinfo=cfg.tz)
        return t

    def finish(self, path: str, cfg: Settings, count: int) -> Conversation | Reject:
        cid = self.id or (stem(path) if count == 1 else f"{stem(path)}-{count}")
        if self.error is not None:
            no, reason, fld, raw = self.error
            return Reject(SourceRef(path, no), reason, field=fld, raw=raw, conversation_id=cid)
        d: dict[str, Any] = {"id": cid, "channel": "chat", "turns": self.turns}
        if self.turns and self.turns[0].get("ts"):
            d["started_at"] = self.turns[0]["ts"]
        agents = {t.get("speaker") for t in self.turns if t["role"] == "agent" and t.get("speaker")}
        if len(agents) == 1:
            d["agent_id"] = agents.pop()
        return build(d, SourceRef(path, self.line), cfg, turn_lines(self.lines))

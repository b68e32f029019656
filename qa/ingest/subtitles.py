"""WebVTT and SRT transcripts with speakers → one call per file, a turn per cue.

The speaker comes from a WebVTT voice tag (``<v Agent>…``, ``<v.loud Agent Smith>``) or a
``Name:`` / ``[Name]`` / ``- Name:`` prefix of the cue text. A cue without a speaker continues the
previous cue's speaker (captioners only mark changes). Names map to roles like everywhere else
(``--role 'Speaker 1=agent'`` for diariser labels). Cue times become ``start``/``end`` in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.common import Settings, build, reject, settings, stem, turn_lines
from qa.ingest.encoding import detect_encoding, iter_lines, read_head
from qa.ingest.jsondoc import head_text
from qa.ingest.roles import unknown_role_hint
from qa.model import Conversation, Reject, SourceRef

_TS = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
TIMING = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?(?:v|c|i|b|u|lang|ruby|rt)(?:[.\s][^>]*)?>|<\d{1,2}:\d{2}[^>]*>")
PREFIX = re.compile(r"^\s*(?:-\s*)?(?:\[(?P<b>[^\]]{1,40})\]|(?P<n>[^\s:：<>][^:：<>]{0,39}?)\s*[:：])\s*(?P<text>.*)$",
                    re.DOTALL)


def _seconds(groups: tuple) -> float:
    h, m, s, frac = groups
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000


class _SubtitleReader(Reader):
    webvtt = False

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        enc = detect_encoding(read_head(path), cfg.encoding)
        cues: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        first_line = True
        for line in iter_lines(path, enc, options.max_record_bytes, options.progress):
            if line.error is not None:
                yield Reject(SourceRef(path, line.no), line.error, raw=line.raw, conversation_id=stem(path))
                return
            text = line.text
            if first_line:
                first_line = False
                if self.webvtt:
                    if not text.lstrip("\ufeff").startswith("WEBVTT"):
                        yield Reject(SourceRef(path, 1), "a WebVTT file must start with 'WEBVTT'", raw=text)
                        return
                    continue
            m = TIMING.match(text)
            if m:
                current = {"line": line.no, "start": _seconds(m.groups()[:4]), "end": _seconds(m.groups()[4:]),
                           "lines": []}
                cues.append(current)
                continue
            if not text.strip():
                current = None
                continue
            if current is not None:
                current["lines"].append(text)
        yield self._conversation(path, cues, cfg)

    def _conversation(self, path: str, cues: list[dict[str, Any]], cfg: Settings) -> Conversation | Reject:
        cid = stem(path)
        src = SourceRef(path, 1)
        turns: list[dict[str, Any]] = []
        lines: list[int] = []
        speaker = None
        for cue in cues:
            body = "\n".join(cue["lines"])
            voice = VOICE.search(body) if self.webvtt else None
            if voice:
                speaker = voice.group(1).strip()
                body = TAG.sub("", body)
            else:
                body = TAG.sub("", body)
                m = PREFIX.match(body)
                if m and (cfg.role(m.group("b") or m.group("n")) is not None or m.group("b")):
                    speaker = (m.group("b") or m.group("n")).strip()
                    body = m.group("text")
            body = body.strip()
            if not body:
                continue
            if speaker is None:
                return reject(SourceRef(path, cue["line"]), "cue has no speaker (no <v Name> tag or 'Name:' prefix)",
                              field="speaker", cid=cid)
            role = cfg.role(speaker)
            if role is None:
                return Reject(SourceRef(path, cue["line"]), f"unknown speaker {speaker!r} — {unknown_role_hint(speaker)}",
                              field="speaker", raw=body, conversation_id=cid)
            turns.append({"role": role, "text": body, "start": round(cue["start"], 3), "end": round(cue["end"], 3),
                          "speaker": speaker})
            lines.append(cue["line"])
        if not turns:
            return reject(src, InputError("no cues with text", field="turns"), cid=cid)
        d = {"id": cid, "channel": "call", "turns": turns}
        field_line = turn_lines(lines)

        return build(d, src, cfg, field_line)


class VttReader(_SubtitleReader):
    name = "vtt"
    extensions = (".vtt",)
    description = "WebVTT captions with <v Speaker> tags or 'Speaker:' prefixes (one call per file)"
    webvtt = True

    def sniff(self, path: str, head: bytes) -> bool:
        return head_text(head).lstrip("\ufeff \r\n").startswith("WEBVTT")


class SrtReader(_SubtitleReader):
    name = "srt"
    extensions = (".srt",)
    description = "SubRip captions with 'Speaker:' prefixes (one call per file)"

    def sniff(self, path: str, head: bytes) -> bool:
        lines = head_text(head).lstrip("\ufeff \r\n").splitlines()
        return len(lines) > 2 and lines[0].strip().isdigit() and bool(TIMING.match(lines[1]))

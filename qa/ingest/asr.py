"""Speech-recognition output → one call per file, with turn and word times.

- ``whisper``: OpenAI Whisper / faster-whisper / WhisperX JSON: ``{"segments": [{start, end, text,
  speaker?, words?: [{word, start, end}]}], "language"?}``. A turn per segment. The ``speaker`` label
  (WhisperX diarisation) maps to a role through ``--role SPEAKER_00=agent``; a segment without a label
  keeps the previous one's speaker; with no labels at all pass ``--role '*=agent'`` (or another role).
- ``transcribe``: Amazon Transcribe job output: ``results.items`` with ``speaker_labels`` (``spk_0`` …)
  or ``channel_labels`` (``ch_0`` …), or ``audio_segments``; consecutive words of one speaker make a
  turn. Call Analytics output (``Transcript`` with ``ParticipantRole`` AGENT/CUSTOMER) is read too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.common import Settings, build, reject, settings, stem
from qa.ingest.jsondoc import head_text, load_document
from qa.ingest.roles import unknown_role_hint
from qa.model import Conversation, Reject, SourceRef


def _num(value: Any, field: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InputError(f"expected seconds, got {value!r}", field=field) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(f"expected seconds, got {value!r}", field=field)
    return round(float(value), 3)


def _role(speaker: Any, cfg: Settings, field: str) -> str:
    role = cfg.role(speaker)
    if role is None:
        if speaker is None:
            raise InputError("no speaker label, so the role is unknown", field=field,
                             hint="diarise the audio, or pass --role '*=agent' (or customer) to set one role")
        raise InputError(f"unknown speaker {speaker!r}", field=field, hint=unknown_role_hint(speaker))
    return role


def _join(tokens: list[str], cjk: bool) -> str:
    out = ""
    for tok in tokens:
        tok = tok.strip()
        if not tok:
            continue
        if out and not cjk and tok[0].isalnum():
            out += " "
        out += tok
    return out


class _OneDocReader(Reader):
    extensions = (".json",)

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        src = SourceRef(path)
        cid = stem(path)
        try:
            doc = load_document(path, cfg.encoding, options.max_record_bytes)
            d = self.convert(doc, cid, cfg)
        except InputError as exc:
            yield reject(src, exc, cid=cid)
            return
        yield build(d, src, cfg)

    def convert(self, doc: Any, cid: str, cfg: Settings) -> dict[str, Any]:
        raise NotImplementedError


class WhisperReader(_OneDocReader):
    name = "whisper"
    description = "Whisper / WhisperX JSON: segments with start, end, text, speaker and word times"

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("{") and '"segments"' in text and '"results"' not in text

    def convert(self, doc: Any, cid: str, cfg: Settings) -> dict[str, Any]:
        if not isinstance(doc, dict) or not isinstance(doc.get("segments"), list):
            raise InputError("expected an object with a 'segments' list", field="segments")
        lang = doc.get("language") if isinstance(doc.get("language"), str) else None
        turns = []
        speaker = None
        for i, seg in enumerate(doc["segments"]):
            where = f"segments[{i}]"
            if not isinstance(seg, dict):
                raise InputError("expected a segment object", field=where)
            text = seg.get("text")
            if not isinstance(text, str):
                raise InputError("text must be a string", field=f"{where}.text")
            if not text.strip():
                continue
            if seg.get("speaker") is not None:
                speaker = str(seg["speaker"])
            role = _role(speaker, cfg, f"{where}.speaker")
            turn: dict[str, Any] = {"role": role, "text": text.strip(), "start": _num(seg.get("start"), f"{where}.start"),
                                    "end": _num(seg.get("end"), f"{where}.end")}
            if speaker is not None:
                turn["speaker"] = speaker
            words = []
            for j, w in enumerate(seg.get("words") or []):
                if not isinstance(w, dict):
                    raise InputError("expected a word object", field=f"{where}.words[{j}]")
                token = w.get("word", w.get("text"))
                if not isinstance(token, str) or w.get("start") is None or w.get("end") is None:
                    continue  # WhisperX leaves numbers and symbols without times
                words.append({"w": token.strip(), "start": _num(w["start"], f"{where}.words[{j}].start"),
                              "end": _num(w["end"], f"{where}.words[{j}].end")})
            if words:
                turn["words"] = words
            turns.append(turn)
        d: dict[str, Any] = {"id": cid, "channel": "call", "turns": turns, "metadata": {"source": "whisper"}}
        if lang and cfg.language is None:
            d["language"] = {"chinese": "zh", "english": "en"}.get(lang.lower(), lang.lower())
        return d


class TranscribeReader(_OneDocReader):
    name = "transcribe"
    description = "Amazon Transcribe JSON (speaker_labels, channel_labels or Call Analytics)"

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        if not text.startswith("{"):
            return False
        return ('"results"' in text and ('"transcripts"' in text or '"items"' in text)) or '"ParticipantRole"' in text

    def convert(self, doc: Any, cid: str, cfg: Settings) -> dict[str, Any]:
        if not isinstance(doc, dict):
            raise InputError("expected a JSON object")
        if isinstance(doc.get("Transcript"), list):
            return self._analytics(doc, cid, cfg)
        results = doc.get("results")
        if not isinstance(results, dict):
            raise InputError("no 'results' object (is this Amazon Transcribe output?)", field="results")
        lang = doc.get("results", {}).get("language_code") or doc.get("language_code")
        lang = lang.split("-")[0].lower() if isinstance(lang, str) else None
        cjk = lang in ("zh", "ja", "ko")
        words = self._words(results)
        turns: list[dict[str, Any]] = []
        for w in words:
            if w["kind"] == "punctuation":
                if turns:
                    turns[-1]["_tokens"].append(w["w"])
                continue
            if not turns or turns[-1]["speaker"] != w["speaker"]:
                turns.append({"speaker": w["speaker"], "_tokens": [], "words": [], "start": w["start"]})
            t = turns[-1]
            t["_tokens"].append(w["w"])
            t["words"].append({"w": w["w"], "start": w["start"], "end": w["end"]})
            t["end"] = w["end"]
        out = []
        for i, t in enumerate(turns):
            if t["speaker"] is None and "*" not in cfg.roles:
                raise InputError("the output has no speaker_labels or channel_labels, so roles are unknown",
                                 field="results.speaker_labels",
                                 hint="run Transcribe with speaker or channel identification, or pass --role '*=agent'")
            role = _role(t["speaker"], cfg, f"turns[{i}].speaker")
            turn = {"role": role, "text": _join(t.pop("_tokens"), cjk), "start": t["start"], "end": t["end"],
                    "words": t["words"]}
            if t["speaker"] is not None:
                turn["speaker"] = t["speaker"]
            out.append(turn)
        d: dict[str, Any] = {"id": str(doc.get("jobName") or cid), "channel": "call", "turns": out,
                             "metadata": {"source": "amazon-transcribe"}}
        if lang and cfg.language is None:
            d["language"] = lang
        return d

    def _words(self, results: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item with its speaker, in time order; punctuation stays after its word."""
        by_time: dict[tuple[str, str], str] = {}
        labels = results.get("speaker_labels")
        if isinstance(labels, dict):
            for seg in labels.get("segments") or []:
                for it in (seg.get("items") or []) if isinstance(seg, dict) else []:
                    if isinstance(it, dict) and it.get("speaker_label") is not None:
                        by_time[(str(it.get("start_time")), str(it.get("end_time")))] = str(it["speaker_label"])
        streams: list[tuple[str | None, list]] = []
        channels = results.get("channel_labels")
        if isinstance(channels, dict) and isinstance(channels.get("channels"), list):
            for ch in channels["channels"]:
                if isinstance(ch, dict):
                    streams.append((str(ch.get("channel_label")), ch.get("items") or []))
        else:
            items = results.get("items")
            if not isinstance(items, list):
                raise InputError("results.items must be a list", field="results.items")
            streams.append((None, items))
        words: list[dict[str, Any]] = []
        for label, items in streams:
            last_start = 0.0
            for i, it in enumerate(items):
                where = f"results.items[{i}]"
                if not isinstance(it, dict):
                    raise InputError("expected an item object", field=where)
                alts = it.get("alternatives")
                if not isinstance(alts, list) or not alts or not isinstance(alts[0], dict) \
                        or not isinstance(alts[0].get("content"), str):
                    raise InputError("item has no alternatives[0].content", field=f"{where}.alternatives")
                content = alts[0]["content"]
                kind = it.get("type", "pronunciation")
                if kind == "punctuation" or it.get("start_time") is None:
                    words.append({"kind": "punctuation", "w": content, "speaker": None, "start": last_start,
                                  "order": (last_start, label or "", len(words))})
                    continue
                start = _num(it.get("start_time"), f"{where}.start_time")
                end = _num(it.get("end_time"), f"{where}.end_time")
                speaker = it.get("speaker_label") or label or by_time.get((str(it.get("start_time")),
                                                                          str(it.get("end_time"))))
                words.append({"kind": "pronunciation", "w": content, "speaker": speaker, "start": start, "end": end,
                              "order": (start, label or "", len(words))})
                last_start = start
        if len(streams) > 1:
            words.sort(key=lambda w: w["order"])
        return words

    def _analytics(self, doc: dict[str, Any], cid: str, cfg: Settings) -> dict[str, Any]:
        turns = []
        for i, seg in enumerate(doc["Transcript"]):
            where = f"Transcript[{i}]"
            if not isinstance(seg, dict):
                raise InputError("expected a segment object", field=where)
            speaker = seg.get("ParticipantRole")
            role = _role(speaker, cfg, f"{where}.ParticipantRole")
            text = seg.get("Content")
            if not isinstance(text, str):
                raise InputError("Content must be a string", field=f"{where}.Content")
            turn: dict[str, Any] = {
                "role": role, "text": text, "speaker": str(speaker),
                "start": _num(seg.get("BeginOffsetMillis", 0), f"{where}.BeginOffsetMillis") / 1000,
                "end": _num(seg.get("EndOffsetMillis", 0), f"{where}.EndOffsetMillis") / 1000,
            }
            if isinstance(seg.get("Sentiment"), str):
                turn["meta"] = {"sentiment": seg["Sentiment"]}
            turns.append(turn)
        d: dict[str, Any] = {"id": str(doc.get("JobName") or cid), "channel": "call", "turns": turns,
                             "metadata": {"source": "amazon-transcribe-call-analytics"}}
        lang = doc.get("LanguageCode")
        if isinstance(lang, str) and cfg.language is None:
            d["language"] = lang.split("-")[0].lower()
        return d

"""Readers for public research datasets, so they can be scored as they are published.

- ``hvb``: Gridspace-Stanford Harper Valley Bank calls, ``transcript/<sid>.json`` (+ ``metadata/<sid>.json``
  beside it) → one English call with times, words, agent id and the survey ratings.
- ``seretod``: SereTOD MobileCS ``example.json`` → Chinese calls with per-turn intents (no times).
- ``abcd``: ASAPP ABCD ``abcd_sample.json`` → English chats with the flow/subflow labels.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.ingest.common import build, reject, settings, stem
from qa.ingest.jsondoc import head_text, iter_array, load_document
from qa.model import Conversation, Reject, SourceRef


class HarperValleyReader(Reader):
    name = "hvb"
    extensions = (".json",)
    description = "Harper Valley Bank call: transcript/<sid>.json with metadata/<sid>.json beside it"

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("[") and '"speaker_role"' in text and '"start_ms"' in text

    def files_in(self, directory: str) -> list[str] | None:
        """The dataset root (with ``transcript/`` and ``metadata/``) or its ``transcript/`` folder."""
        root = directory.rstrip("/\\")
        transcript = os.path.join(root, "transcript")
        if not os.path.isdir(transcript) and os.path.basename(root) == "transcript":
            transcript = root
        if not os.path.isdir(transcript) or not os.path.isdir(os.path.join(os.path.dirname(transcript), "metadata")):
            return None
        return sorted(os.path.join(transcript, f) for f in os.listdir(transcript) if f.endswith(".json"))

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        src = SourceRef(path)
        try:
            segments = load_document(path, cfg.encoding, options.max_record_bytes)
        except InputError as exc:
            yield reject(src, exc)
            return
        sid = stem(path)
        meta_path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(path))), "metadata", sid + ".json")
        meta: dict[str, Any] = {}
        if os.path.isfile(meta_path):
            try:
                meta = load_document(meta_path, None, options.max_record_bytes)
            except InputError as exc:
                yield reject(SourceRef(meta_path, exc.line), exc, field="metadata", cid=sid)
                return
            if not isinstance(meta, dict):
                yield reject(SourceRef(meta_path), "metadata must be a JSON object", cid=sid)
                return
        try:
            d, seg_index = _hvb_conversation(sid, segments, meta)
        except InputError as exc:
            yield reject(src, exc, cid=sid)
            return
        if cfg.language is None:
            d["language"] = "en"
        yield build(d, src, cfg, lambda f: None)


def _hvb_conversation(sid: str, segments: Any, meta: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    if not isinstance(segments, list) or not segments:
        raise InputError("expected a non-empty JSON list of segments")
    agent = meta.get("agent") if isinstance(meta.get("agent"), dict) else {}
    caller = meta.get("caller") if isinstance(meta.get("caller"), dict) else {}
    speakers = {"agent": agent.get("speaker_id"), "caller": caller.get("speaker_id")}
    rows = []
    for i, seg in enumerate(segments):
        where = f"[{i}]"
        if not isinstance(seg, dict):
            raise InputError("expected a segment object", field=where)
        role_raw = seg.get("speaker_role")
        role = {"agent": "agent", "caller": "customer"}.get(role_raw)
        if role is None:
            raise InputError(f"unknown speaker_role {role_raw!r}; expected agent or caller", field=f"{where}.speaker_role")
        for key in ("start_ms", "duration_ms"):
            if not isinstance(seg.get(key), (int, float)) or isinstance(seg.get(key), bool):
                raise InputError(f"{key} must be a number of milliseconds", field=f"{where}.{key}")
        text = seg.get("human_transcript") or seg.get("transcript")
        if not isinstance(text, str):
            raise InputError("no human_transcript or transcript text", field=f"{where}.human_transcript")
        start = seg["start_ms"] / 1000
        turn: dict[str, Any] = {"role": role, "text": text, "start": round(start, 3),
                                "end": round((seg["start_ms"] + seg["duration_ms"]) / 1000, 3)}
        if speakers.get(role_raw) is not None:
            turn["speaker"] = str(speakers[role_raw])
        words = _hvb_words(seg, where)
        if words:
            turn["words"] = words
        tmeta: dict[str, Any] = {"index": seg.get("index")}
        if isinstance(seg.get("transcript"), str) and seg.get("transcript") != text:
            tmeta["asr"] = seg["transcript"]
        emo = seg.get("emotion")
        if isinstance(emo, list) and len(emo) == 3:
            tmeta["emotion"] = dict(zip(("negative", "neutral", "positive"), emo, strict=True))
        elif isinstance(emo, dict):
            tmeta["emotion"] = emo
        turn["meta"] = tmeta
        rows.append((seg["start_ms"], i, turn))
    rows.sort(key=lambda r: (r[0], r[1]))  # two recording channels, one timeline
    d: dict[str, Any] = {"id": sid, "channel": "call", "turns": [r[2] for r in rows]}
    if agent.get("speaker_id") is not None:
        d["agent_id"] = str(agent["speaker_id"])
    if isinstance(meta.get("start_time_ms"), (int, float)):
        d["started_at"] = datetime.fromtimestamp(meta["start_time_ms"] / 1000, timezone.utc).isoformat()
    md: dict[str, Any] = {"source": "harper-valley-bank"}
    for side, key in ((caller, "caller"), (agent, "agent")):
        rating = ((side.get("survey_response") or {}).get("data") or {}).get("partner_rating")
        if rating is not None:
            md[f"{key}_partner_rating"] = _num(rating)
        if side.get("speaker_id") is not None:
            md[f"{key}_speaker_id"] = str(side["speaker_id"])
    if (agent.get("metadata") or {}).get("agent_name"):
        md["agent_name"] = agent["metadata"]["agent_name"]
    tasks = [t.get("task_type") for t in meta.get("tasks") or [] if isinstance(t, dict) and t.get("task_type")]
    if tasks:
        md["task_types"] = tasks
    for key in ("session", "labels"):
        if meta.get(key) is not None:
            md[key] = meta[key]
    d["metadata"] = md
    return d, [r[1] for r in rows]


def _hvb_words(seg: dict[str, Any], where: str) -> list[dict[str, Any]]:
    asr = seg.get("transcript")
    offs, durs = seg.get("word_offsets_ms"), seg.get("word_durations_ms")
    if not isinstance(asr, str) or not isinstance(offs, list) or not isinstance(durs, list):
        return []
    tokens = asr.split()
    if not (len(tokens) == len(offs) == len(durs)):
        raise InputError(f"{len(tokens)} ASR words but {len(offs)} offsets and {len(durs)} durations",
                         field=f"{where}.word_offsets_ms")
    base = seg["start_ms"]
    out = []
    for w, o, du in zip(tokens, offs, durs, strict=True):
        if not isinstance(o, (int, float)) or not isinstance(du, (int, float)):
            raise InputError("word offsets and durations must be numbers", field=f"{where}.word_offsets_ms")
        out.append({"w": w, "start": round((base + o) / 1000, 3), "end": round((base + o + du) / 1000, 3)})
    return out


def _num(v: Any) -> Any:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return int(f) if f.is_integer() else f


class JsonArrayDatasetReader(Reader):
    """A dataset shipped as one JSON array of dialogues, read one element at a time.

    Subclasses set ``id_key`` and ``language`` and turn one element into a canonical dict in
    ``_conversation`` (raising InputError for a bad element, which becomes that element's reject).
    """

    id_key = "id"
    language = "zh"

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        for index, line, item in iter_array(path, cfg.encoding, options.max_record_bytes, options.progress):
            src = SourceRef(path, line)
            if isinstance(item, InputError):
                yield reject(src, item, field=f"[{index}]")
                return
            try:
                d = self._conversation(item)
            except InputError as exc:
                cid = item.get(self.id_key) if isinstance(item, dict) else None
                yield reject(src, exc, cid=str(cid) if cid is not None else None)
                continue
            if cfg.language is None:
                d["language"] = self.language
            yield build(d, src, cfg)

    def _conversation(self, item: Any) -> dict[str, Any]:
        raise NotImplementedError


class SereTODReader(JsonArrayDatasetReader):
    name = "seretod"
    extensions = (".json",)
    description = "SereTOD MobileCS dialogues (China Mobile calls): [{id, content: [{[SPEAKER 1], [SPEAKER 2]…}]}]"
    speaker_roles = {"[SPEAKER 1]": "agent", "[SPEAKER 2]": "customer"}
    intent_keys = {"agent": "客服意图", "customer": "用户意图"}

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("[") and '"[SPEAKER 1]"' in text and '"content"' in text

    def _conversation(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise InputError("expected a dialogue object {id, content}")
        cid = item.get("id")
        if not isinstance(cid, (str, int)) or cid == "":
            raise InputError("missing dialogue id", field="id")
        content = item.get("content")
        if not isinstance(content, list):
            raise InputError("content must be a list of exchanges", field="content")
        turns = []
        for i, ex in enumerate(content):
            if not isinstance(ex, dict):
                raise InputError("expected an exchange object", field=f"content[{i}]")
            spoken = [k for k in ex if k.startswith("[SPEAKER")]
            for key in spoken:
                role = self.speaker_roles.get(key)
                if role is None:
                    raise InputError(f"unknown speaker {key!r}; expected [SPEAKER 1] or [SPEAKER 2]",
                                     field=f"content[{i}].{key}")
                text = ex[key]
                if not isinstance(text, str):
                    raise InputError("text must be a string", field=f"content[{i}].{key}")
                if not text.strip():
                    continue  # the speaker said nothing in this exchange
                turn: dict[str, Any] = {"role": role, "text": text, "meta": {"exchange": i}}
                intent = ex.get(self.intent_keys[role])
                if isinstance(intent, str) and intent:
                    turn["meta"]["intent"] = intent
                turns.append(turn)
        return {"id": str(cid), "channel": "call", "turns": turns, "metadata": {"source": "seretod-mobilecs"}}


class AbcdReader(JsonArrayDatasetReader):
    name = "abcd"
    id_key = "convo_id"
    language = "en"
    extensions = (".json",)
    description = "ABCD (Action-Based Conversations Dataset) chats: [{convo_id, scenario, original: [[speaker, text]]}]"
    speaker_roles = {"agent": "agent", "customer": "customer", "action": "system"}

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("[") and '"convo_id"' in text and '"original"' in text

    def _conversation(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise InputError("expected a conversation object {convo_id, original}")
        cid = item.get("convo_id")
        if cid is None or cid == "":
            raise InputError("missing convo_id", field="convo_id")
        original = item.get("original")
        if not isinstance(original, list):
            raise InputError("original must be a list of [speaker, text]", field="original")
        turns = []
        for i, pair in enumerate(original):
            if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
                raise InputError("expected [speaker, text]", field=f"original[{i}]")
            role = self.speaker_roles.get(pair[0])
            if role is None:
                raise InputError(f"unknown speaker {pair[0]!r}; expected agent, customer or action",
                                 field=f"original[{i}][0]")
            turns.append({"role": role, "text": pair[1]})
        md: dict[str, Any] = {"source": "abcd"}
        scenario = item.get("scenario") if isinstance(item.get("scenario"), dict) else {}
        for key in ("flow", "subflow"):
            if isinstance(scenario.get(key), str):
                md[key] = scenario[key]
        return {"id": str(cid), "channel": "chat", "turns": turns, "metadata": md}


_SEGMENT_GAP = re.compile(r"(?<![A-Za-z0-9]) +| +(?![A-Za-z0-9])")


def desegment(text: str) -> str:
    """Undo word segmentation (``我 去 不 早 说`` → ``我去不早说``): spaces stay only between Latin words."""
    return _SEGMENT_GAP.sub("", text.strip())


class EcdReader(Reader):
    """E-commerce Dialogue Corpus (Taobao), response-selection TSV: ``label<TAB>utt…<TAB>candidate``.

    Lines come in groups that share one context; the group's line labelled ``1`` holds the agent's real
    reply. Each group becomes one chat (id ``L<line of the true reply>``): the context utterances, then
    the reply. The corpus names no speakers; the reply is the agent's and the turns before it alternate.
    Word segmentation is undone. A group without a true reply is a reject.
    """

    name = "ecd"
    extensions = ()
    description = "E-commerce Dialogue Corpus (Taobao) response-selection TSV: label, context utterances, candidate"

    def sniff(self, path: str, head: bytes) -> bool:
        first = head_text(head).split("\n", 1)[0]
        cols = first.split("\t")
        return len(cols) >= 3 and cols[0] in ("0", "1") and " " in cols[1]

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        group: list[tuple[int, list[str]]] = []
        with open(path, encoding=cfg.encoding or "utf-8", newline="") as fh:
            for lineno, line in enumerate(fh, 1):
                cols = line.rstrip("\r\n").split("\t")
                if len(cols) < 3 or cols[0] not in ("0", "1"):
                    yield reject(SourceRef(path, lineno), "expected label (0/1), context utterances and a candidate",
                                 field="label", raw=line[:200])
                    continue
                if group and cols[1:-1] != group[0][1][1:-1]:
                    yield self._conversation(path, group, cfg)
                    group = []
                group.append((lineno, cols))
        if group:
            yield self._conversation(path, group, cfg)

    def _conversation(self, path: str, group: list[tuple[int, list[str]]], cfg) -> Conversation | Reject:
        true = [(lineno, cols) for lineno, cols in group if cols[0] == "1"]
        if len(true) != 1:
            return reject(SourceRef(path, group[0][0]),
                          f"a context group needs exactly one candidate labelled 1, found {len(true)}", field="label")
        lineno, cols = true[0]
        utterances = [desegment(u) for u in cols[1:]]
        n = len(utterances)
        turns = [{"role": "agent" if (n - 1 - i) % 2 == 0 else "customer", "text": u}
                 for i, u in enumerate(utterances) if u]
        d = {"id": f"L{lineno}", "channel": "chat", "turns": turns, "metadata": {"source": "ecd-taobao"}}
        if cfg.language is None:
            d["language"] = "zh"
        return build(d, SourceRef(path, lineno), cfg)


class JddcDevReader(Reader):
    """JDDC 2019 dev/test sessions: ``dev_question.txt`` with ``dev_answer.txt`` beside it.

    Each ``<session X>`` holds a ``<context>`` of ``Q:``/``A:`` lines and questions ``<Q1>…</Q1>``; the
    answer file gives, per question, three human agents' replies separated by ``<sep>``. A session becomes
    one chat: the context, then each question followed by the first agent's reply (``A:`` lines of the
    context likewise). Messages an agent sent at once (``!@@@!``) are joined with a space, as in the JDDC
    chat log; ``NULL`` (no reply) gives no turn.
    """

    name = "jddc-dev"
    extensions = (".txt",)
    description = "JDDC 2019 dev/test sessions: <session> question file with the answer file beside it"
    _SESSION = re.compile(r"^<session (\S+)>$")

    def sniff(self, path: str, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("<session ") and "<context>" in text

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        cfg = settings(options)
        answers_path = os.path.join(os.path.dirname(path), os.path.basename(path).replace("question", "answer"))
        answers = self._answers(answers_path, cfg.encoding) if answers_path != path else {}
        sid, start, turns = None, 0, []
        with open(path, encoding=cfg.encoding or "utf-8") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.rstrip("\r\n")
                m = self._SESSION.match(line)
                if m:
                    sid, start, turns = m.group(1), lineno, []
                    continue
                if sid is None:
                    continue
                if line == f"</session {sid}>":
                    d = {"id": sid, "channel": "chat", "turns": turns, "metadata": {"source": "jddc-dev"}}
                    if cfg.language is None:
                        d["language"] = "zh"
                    yield build(d, SourceRef(path, start), cfg)
                    sid = None
                elif line.startswith("Q:\t"):
                    _add(turns, "customer", line[3:])
                elif line.startswith("A:\t"):
                    _add(turns, "agent", line[3:].split("<sep>")[0])
                else:
                    q = re.fullmatch(r"<Q(\d+)>(.*)</Q\1>", line)
                    if q:
                        _add(turns, "customer", q.group(2))
                        replies = answers.get(sid, [])
                        k = int(q.group(1)) - 1
                        if k < len(replies):
                            _add(turns, "agent", replies[k].split("<sep>")[0])
        if sid is not None:
            yield reject(SourceRef(path, start), f"session {sid} is not closed by </session {sid}>", cid=sid)

    @staticmethod
    def _answers(path: str, encoding: str | None) -> dict[str, list[str]]:
        if not os.path.isfile(path):
            raise InputError(f"the answer file {path} is missing (the reader needs both files side by side)")
        out: dict[str, list[str]] = {}
        sid = None
        with open(path, encoding=encoding or "utf-8") as fh:
            for raw in fh:
                line = raw.rstrip("\r\n")
                m = JddcDevReader._SESSION.match(line)
                if m:
                    sid = m.group(1)
                    out[sid] = []
                elif line.startswith("</session"):
                    sid = None
                elif sid is not None and line:
                    out[sid].append(line)
        return out


def _add(turns: list[dict[str, Any]], role: str, text: str) -> None:
    text = " ".join(p.strip() for p in text.split("!@@@!") if p.strip() and p.strip() != "NULL")
    if text:
        turns.append({"role": role, "text": text})

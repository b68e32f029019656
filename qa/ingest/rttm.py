"""RTTM (NIST Rich Transcription Time Marked) diarisation files: speaker turns without words.

Each ``SPEAKER`` line ``SPEAKER <file> <chan> <onset> <dur> <NA> <NA> <speaker> <NA> <NA>`` becomes
one call turn with ``start = onset``, ``end = onset + dur`` and ``speaker`` set; every file id
becomes one ``call`` conversation (id = the file id), turns sorted by onset. Other line types
(``SPKR-INFO``, ``LEXEME`` …) and ``;;`` comments are skipped.

RTTM has no text, and a turn's text may not be empty, so each turn's text is the marker
``[speech]`` with ``meta.no_text = true``, and the conversation carries
``metadata.transcript = "none"``: timing checkers treat such turns as speech, text checkers find
nothing in them, and rules that need words (``speech_rate``, ``long_message``) are not applicable.

Roles: ``ReadOptions.extra["speaker_roles"]`` maps speaker labels to roles; speakers it does not
name (all of them by default) are ``agent`` if they speak first in the file, else ``customer``.
A malformed line rejects its whole conversation (naming the line and field), since a
conversation with a turn missing would give wrong silences. Lines of one file id need not be
adjacent, so a file is read whole before its conversations are yielded (RTTM files are small).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from qa.errors import InputError
from qa.ingest.base import Reader, ReadOptions
from qa.model import ROLES, Conversation, Reject, SourceRef, Turn

SPEECH_MARK = "[speech]"
_TYPES = {"SPEAKER", "SPKR-INFO", "LEXEME", "NON-LEX", "NON-SPEECH", "SEGMENT", "NOSCORE", "NO_RT_METADATA",
          "A/P", "IP", "SU", "CB", "FILLER", "EDIT", "NORMALIZED"}
_FIELDS = ("type", "file", "channel", "onset", "duration", "orthography", "subtype", "speaker")


class RttmReader(Reader):
    name = "rttm"
    extensions = (".rttm",)
    description = "RTTM diarisation (speaker turns, no text): one call per file id"

    def sniff(self, path: str, head: bytes) -> bool:
        for line in head.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if not line or line.startswith(";;"):
                continue
            return line.split()[0] in _TYPES and len(line.split()) >= 9
        return False

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        roles = options.extra.get("speaker_roles") or {}
        bad_roles = {k: v for k, v in roles.items() if v not in ROLES}
        if bad_roles:
            k, v = next(iter(bad_roles.items()))
            raise InputError(f"speaker_roles maps {k!r} to unknown role {v!r}; expected one of {list(ROLES)}",
                             path=path, field="speaker_roles")
        try:
            fh = open(path, encoding="utf-8-sig", errors="strict")
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror}", path=path) from None
        files: dict[str, dict] = {}
        with fh:
            lineno = 0
            try:
                for line in fh:
                    lineno += 1
                    self._line(line, lineno, path, files)
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 (byte {exc.start} of line {lineno + 1})", path=path) from None
        for fid, rec in files.items():
            if rec["error"] is not None:
                yield rec["error"]
                continue
            yield self._conversation(fid, rec, path, roles, options)

    def _line(self, line: str, lineno: int, path: str, files: dict) -> None:
        parts = line.split()
        if not parts or parts[0].startswith(";;"):
            return
        fid = parts[1] if len(parts) > 1 else "?"
        rec = files.setdefault(fid, {"line": lineno, "segs": [], "error": None})
        if rec["error"] is not None:
            return
        src = SourceRef(path, lineno)
        if parts[0] not in _TYPES:
            rec["error"] = Reject(src, f"unknown RTTM line type {parts[0]!r}", field="type", raw=line.rstrip("\n"),
                                  conversation_id=fid)
            return
        if parts[0] != "SPEAKER":
            return
        if len(parts) < 8:
            rec["error"] = Reject(src, f"a SPEAKER line needs at least 8 fields, got {len(parts)}",
                                  field=_FIELDS[len(parts)] if len(parts) < len(_FIELDS) else None,
                                  raw=line.rstrip("\n"), conversation_id=fid)
            return
        try:
            onset = _seconds(parts[3], "onset")
            dur = _seconds(parts[4], "duration")
        except InputError as exc:
            rec["error"] = Reject(src, exc.message, field=exc.field, raw=line.rstrip("\n"), conversation_id=fid)
            return
        rec["segs"].append((onset, onset + dur, parts[7], parts[2], lineno))

    def _conversation(self, fid: str, rec: dict, path: str, roles: dict, options: ReadOptions) -> Conversation | Reject:
        segs = sorted(rec["segs"], key=lambda s: (s[0], s[1]))
        if not segs:
            return Reject(SourceRef(path, rec["line"]), f"file id {fid!r} has no SPEAKER lines", field="type",
                          conversation_id=fid)
        first = segs[0][2]
        turns = [Turn(role=roles.get(spk, "agent" if spk == first else "customer"), text=SPEECH_MARK,
                      start=s, end=e, speaker=spk, meta={"no_text": True, "channel": chan, "line": ln})
                 for s, e, spk, chan, ln in segs]
        return Conversation(id=fid, turns=turns, channel="call", language=options.language or "und",
                            metadata={"transcript": "none", "format": "rttm"}, source=SourceRef(path, rec["line"]))


def _seconds(value: str, field: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InputError(f"{field} is not a number: {value!r}", field=field) from None
    if not math.isfinite(x) or x < 0:
        raise InputError(f"{field} must be a finite number ≥ 0, got {value!r}", field=field)
    return x

"""Load the research corpora in ../shared/data as qa Conversations, for rubric tuning and tests.

Small, dependency-free readers for the three sets the shipped rubrics are tuned on. They are not
product readers (``qa ingest`` has those); they exist so rubric tuning and its regression tests do
not depend on the ingest mappings. The data itself stays in ../shared/data (research-only licences).

- ``load_jddc(path)``: JDDC chat TSV (7 columns, no header, rows in order) → one Conversation per session.
- ``load_seretod(path)``: SereTOD MobileCS example.json → call Conversations; each agent turn carries its
  gold intents in ``turn.meta["intents"]``.
- ``load_hvb(folder)``: Harper Valley Bank transcript/*.json → English call Conversations with times.
- ``load_abcd(path)``: ABCD sample (role-played English support chats) → chat Conversations.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qa.model import Conversation, Turn

JDDC_FILE = "jddc-chat-sample/chat_0.1per.txt"
SERETOD_FILE = "seretod-mobilecs-example/example.json"
HVB_DIR = "harper-valley-bank"
ABCD_FILE = "abcd-sample/abcd_sample.json"
_NON_SPEECH = re.compile(r"\[noise\]|<unk>|\[laughter\]")


def load_jddc(path: str | Path) -> list[Conversation]:
    """Sessions of the JDDC TSV in file order; role from ``waiter_send`` (1 = agent)."""
    path = Path(path)
    convs: dict[str, Conversation] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 7:
                raise ValueError(f"{path}:{lineno}: expected 7 tab-separated columns, got {len(cols)}")
            sid, user, waiter, transfer, repeat, sku, content = cols
            conv = convs.get(sid)
            if conv is None:
                conv = convs[sid] = Conversation(sid, [], channel="chat", language="zh",
                                                 metadata={"user_id": user})
            conv.turns.append(Turn("agent" if waiter == "1" else "customer", content,
                                   meta={"row": lineno, "is_transfer": transfer == "1", "is_repeat": repeat == "1",
                                         "sku": None if sku == "nan" else sku}))
    return list(convs.values())


def load_seretod(path: str | Path) -> list[Conversation]:
    """Each SereTOD exchange becomes an agent turn ([SPEAKER 1]) then a customer turn ([SPEAKER 2])."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for dialog in data:
        turns = []
        for k, ex in enumerate(dialog["content"]):
            intents = [x for x in ex.get("客服意图", "").split(",") if x]
            agent = ex.get("[SPEAKER 1]", "")
            if agent:
                turns.append(Turn("agent", agent, meta={"intents": intents, "exchange": k}))
            user = ex.get("[SPEAKER 2]", "")
            if user:
                turns.append(Turn("customer", user, meta={"intents": [x for x in ex.get("用户意图", "").split(",")
                                                                       if x], "exchange": k}))
        out.append(Conversation(dialog["id"], turns, channel="call", language="zh"))
    return out


def load_hvb(folder: str | Path) -> list[Conversation]:
    """Harper Valley Bank calls: segments ordered by ``start_ms``; text is ``human_transcript``."""
    folder = Path(folder)
    out = []
    for f in sorted((folder / "transcript").glob("*.json")):
        segs = sorted(json.loads(f.read_text(encoding="utf-8")), key=lambda s: s["start_ms"])
        meta_file = folder / "metadata" / f.name
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        agent_id = str(meta.get("agent", {}).get("speaker_id")) if isinstance(meta.get("agent"), dict) else None
        turns = [Turn("agent" if s["speaker_role"] == "agent" else "customer", s["human_transcript"],
                      start=s["start_ms"] / 1000, end=(s["start_ms"] + s["duration_ms"]) / 1000)
                 for s in segs if _NON_SPEECH.sub("", s["human_transcript"]).strip()]
        out.append(Conversation(f.stem, turns, channel="call", language="en", agent_id=agent_id))
    return out


def load_abcd(path: str | Path) -> list[Conversation]:
    """ABCD ``original`` turns (``action`` rows are system events and are left out)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for c in data:
        turns = [Turn("agent" if who == "agent" else "customer", text) for who, text in c["original"]
                 if who in ("agent", "customer")]
        out.append(Conversation(str(c["convo_id"]), turns, channel="chat", language="en",
                                metadata={"flow": c["scenario"]["flow"], "subflow": c["scenario"]["subflow"]}))
    return out

"""Signals a complaint leaves in a conversation's structure rather than in its words.

Customers rarely say 投诉. A request asked again after the agent answered, or a chase (在吗？ 人呢？
查到了吗) while a request is pending, says the need was not met. These pure functions read a conversation
as ``(role, text)`` pairs — ``text`` already normalised — and return, per customer turn, what they saw.
The complaint-type checker turns them into cues (see docs/complaints.md, "Conversation structure").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Placeholders of anonymised corpora ([订单x], [数字x]) and anything that is not a letter or digit.
#: Letters a message needs before a chase in the same turn chases it (an order number alone asks nothing).
MIN_REQUEST = 4
_NOISE = re.compile(r"\[[^\]]{0,12}\]|[^\w]|_", re.UNICODE)


_PIECE = re.compile(r"[^\s?？!！。，,~～]+[?？!！。，,~～]*|[?？!！]+")
_SENTENCE = re.compile(r"[^?？!！。，,~～]+[?？!！。，,~～]*|[?？!！]+")


def pieces(text: str, spaces_split: bool = True) -> list[str]:
    """The messages and sentences of a turn, each with its closing punctuation (人呢？？查到了吗 → 人呢？？, 查到了吗).

    Chinese chat exports join a customer's consecutive messages with spaces, so a space ends a piece there;
    in English a space separates words (``spaces_split=False``)."""
    if spaces_split:
        return _PIECE.findall(text)
    return [p.strip() for p in _SENTENCE.findall(text) if p.strip()]


def message_chunks(text: str) -> list[str]:
    """The messages a turn merges (chat exports join consecutive messages with spaces), without noise."""
    out = []
    for part in text.split():
        core = _NOISE.sub("", part)
        if core:
            out.append(core)
    return out


def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset((s,))


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of character bigrams (0–1): 1 for the same message, high for a reworded one."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


@dataclass(frozen=True)
class Signal:
    """What the structure says about one customer turn."""

    turn: int
    kind: str          # "repeat" | "chase"
    count: int         # the how-many-th time (2 = asked a second time / the second chase)
    refers_to: int     # the earlier customer turn repeated, or the turn whose request is chased


def repeats(turns: list[tuple[str, str]], customer: set[int], *, min_chars: int, min_similarity: float,
            ignore: frozenset[str] = frozenset(), only: set[int] | None = None) -> list[Signal]:
    """Customer turns that ask again what an earlier customer turn asked, after the agent replied to it.

    A message counts when it has at least ``min_chars`` letters and its bigram similarity to an earlier
    customer message is at least ``min_similarity``, with an agent turn in between (a message sent twice
    in a row is a double send, not a repeated request). Messages in ``ignore`` (greetings, 转人工 …)
    never count. ``only`` limits the turns reported (earlier turns are still read as what may be repeated).
    """
    seen: list[tuple[int, str, frozenset[str], int]] = []  # (turn, chunk, its bigrams, times asked)
    out: list[Signal] = []
    agent_since: dict[int, bool] = {}
    last = max(only) if only else len(turns) - 1
    for i, (role, text) in enumerate(turns[:last + 1]):
        if i not in customer:
            if role != "customer":
                for k in agent_since:
                    agent_since[k] = True
            continue
        best = None
        report = only is None or i in only
        for chunk in message_chunks(text):
            if len(chunk) < min_chars or chunk in ignore:
                continue
            grams = _bigrams(chunk)
            if report:
                for j, (t, _prev, prev_grams, times) in enumerate(seen):
                    # Jaccard can reach the threshold only if the sizes are close enough
                    small, big = sorted((len(grams), len(prev_grams)))
                    if t == i or not agent_since.get(t) or small < min_similarity * big:
                        continue
                    if len(grams & prev_grams) / len(grams | prev_grams) >= min_similarity:
                        if best is None or times + 1 > best[2]:
                            best = (j, t, times + 1)
            seen.append((i, chunk, grams, 1))
        agent_since[i] = False
        if best is not None:
            j, t, times = best
            seen[j] = (*seen[j][:3], times)
            out.append(Signal(i, "repeat", times, t))
    return out


def chases(turns: list[tuple[str, str]], customer: set[int], is_chase, is_pending,
           spaces_split: bool = True) -> list[Signal]:
    """Customer turns that chase a pending request: 在吗 / 人呢 / ? with nothing else to say.

    A chase counts when a request is pending: the customer asked and the agent has not answered since
    (a chase later in the same turn, or in a turn right after the customer's own), or the agent's last
    message announced something the customer now waits for (``is_pending(turn)``, e.g. a look-up). A chase
    that opens the customer's new message after the agent answered does not count. ``is_chase(message)``
    says whether one message is only a chase.
    """
    out: list[Signal] = []
    last_request = None   # the customer turn whose request is pending
    pending = False
    n = 0
    for i, (role, text) in enumerate(turns):
        if i not in customer:
            if role != "customer":
                pending = bool(is_pending(i))
                if not pending:
                    last_request = None
            continue
        chunks = pieces(text, spaces_split)
        flags = [is_chase(c) for c in chunks]
        chased = False
        for k, flag in enumerate(flags):
            if not flag:
                continue
            asked_before = sum(len(_NOISE.sub("", c)) for c, f in zip(chunks[:k], flags[:k], strict=True) if not f)
            if asked_before >= MIN_REQUEST or (last_request is not None
                                                and (pending or turns[i - 1][0] == "customer")):
                chased = True
                break
        if chased:
            n += 1
            out.append(Signal(i, "chase", n, last_request if last_request is not None else i))
        if not all(flags):
            last_request = i
            pending = False
    return out

"""Interval arithmetic on speech segments: union, gaps, and time with two or more speakers at once.

Intervals are ``(start, end)`` pairs in seconds, half-open in spirit: ``(1, 2)`` and ``(2, 3)`` touch
and merge. Zero-length and reversed intervals carry no time and are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Interval = tuple[float, float]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union as a sorted list of disjoint intervals (touching intervals merge)."""
    out: list[list[float]] = []
    for s, e in sorted((s, e) for s, e in intervals if e > s):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1][1] = e
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total(intervals: Iterable[Interval]) -> float:
    """Total length of the union."""
    return sum(e - s for s, e in merge(intervals))


def gaps(merged: list[Interval], lo: float, hi: float) -> list[Interval]:
    """The parts of ``[lo, hi]`` not covered by ``merged`` (which must come from :func:`merge`)."""
    out: list[Interval] = []
    cur = lo
    for s, e in merged:
        if e <= cur:
            continue
        if s >= hi:
            break
        if s > cur:
            out.append((cur, s))
        cur = max(cur, e)
    if cur < hi:
        out.append((cur, hi))
    return out


def multi_speaker(by_speaker: Mapping[object, Iterable[Interval]], at_least: int = 2) -> list[Interval]:
    """Intervals during which at least ``at_least`` distinct speakers are speaking (a sweep line)."""
    events: list[tuple[float, int]] = []
    for segs in by_speaker.values():
        for s, e in merge(segs):
            events.append((s, 1))
            events.append((e, -1))
    events.sort(key=lambda x: (x[0], x[1]))  # ends before starts at the same instant: touching is not overlap
    out: list[Interval] = []
    active = 0
    opened: float | None = None
    for t, d in events:
        before = active
        active += d
        if before < at_least <= active:
            opened = t
        elif active < at_least <= before and opened is not None:
            if t > opened:
                out.append((opened, t))
            opened = None
    return merge(out)


def intersection(a: Iterable[Interval], b: Iterable[Interval]) -> float:
    """Length of the intersection of two unions of intervals."""
    ma, mb = merge(a), merge(b)
    i = j = 0
    got = 0.0
    while i < len(ma) and j < len(mb):
        s = max(ma[i][0], mb[j][0])
        e = min(ma[i][1], mb[j][1])
        if e > s:
            got += e - s
        if ma[i][1] < mb[j][1]:
            i += 1
        else:
            j += 1
    return got


@dataclass(frozen=True)
class Timeline:
    """Speech and silence of one call over ``[origin, end]``."""

    origin: float
    end: float
    speech: list[Interval]      # union of everyone's speech
    overlap: list[Interval]     # two or more speakers at once
    silences: list[Interval]    # nobody speaking, inside [origin, end]

    @property
    def span_s(self) -> float:
        return max(0.0, self.end - self.origin)

    @property
    def speech_s(self) -> float:
        return sum(e - s for s, e in self.speech)

    @property
    def overlap_s(self) -> float:
        return sum(e - s for s, e in self.overlap)

    @property
    def silence_s(self) -> float:
        return sum(e - s for s, e in self.silences)


def timeline(by_speaker: Mapping[object, Iterable[Interval]], origin: float = 0.0,
             end: float | None = None) -> Timeline:
    """Speech, overlap and silence of the segments ``by_speaker`` over ``[origin, end]``.

    ``end`` defaults to the end of the last segment, so trailing silence is not counted.
    """
    segs = {k: list(v) for k, v in by_speaker.items()}
    speech = merge(s for v in segs.values() for s in v)
    if end is None:
        end = speech[-1][1] if speech else origin
    return Timeline(origin, end, speech, multi_speaker(segs), gaps(speech, origin, end))

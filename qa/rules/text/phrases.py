"""One Aho–Corasick automaton for every phrase a rubric mentions.

Checkers register phrase groups while a rubric compiles (:meth:`PhraseIndex.add`); each turn is
then scanned once and every checker reads the hits of its own groups. Banned phrases, courtesy
phrases, exception contexts and complaint keywords all share the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick


class PhraseIndex:
    def __init__(self) -> None:
        self._groups: list[tuple[str, ...]] = []
        self._by_phrase: dict[str, list[int]] = {}
        self._automaton = None

    def add(self, phrases: Iterable[str]) -> int:
        """Register a group of (already normalised) phrases; returns the group's id."""
        group = tuple(dict.fromkeys(p for p in phrases if p))
        if self._automaton is not None:
            raise RuntimeError("PhraseIndex is frozen; add phrases while compiling")
        gid = len(self._groups)
        self._groups.append(group)
        for p in group:
            self._by_phrase.setdefault(p, []).append(gid)
        return gid

    def phrases(self, gid: int) -> tuple[str, ...]:
        return self._groups[gid]

    def build(self) -> None:
        a = ahocorasick.Automaton()
        for phrase, gids in self._by_phrase.items():
            a.add_word(phrase, (len(phrase), tuple(gids)))
        if len(a):
            a.make_automaton()
            self._automaton = a
        else:
            self._automaton = False

    def __len__(self) -> int:
        return len(self._by_phrase)

    def scan_into(self, text: str, turn: int, hits: dict[int, list[tuple[int, int, int]]]) -> None:
        """Append ``(turn, start, end)`` for every phrase occurrence in ``text`` to ``hits[group]``."""
        a = self._automaton
        if not a:
            if a is None:
                raise RuntimeError("PhraseIndex.build() was not called")
            return
        for end, (length, gids) in a.iter(text):
            item = (turn, end - length + 1, end + 1)
            for g in gids:
                lst = hits.get(g)
                if lst is None:
                    hits[g] = [item]
                else:
                    lst.append(item)

"""A conversation prepared for checking (:class:`PreparedConversation`): normalised texts, phrase hits,
role indices, lazy tokens and times.

Built once per conversation by the engine and handed to every checker's ``check``, so the text is
normalised once, scanned once by the phrase automaton, and tokenised at most once (only if a rule asks).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qa.model import Conversation, Finding
from qa.rules.text.normalize import normalize_text
from qa.rules.text.sentences import SENTENCE_END, enclosing
from qa.rules.text.tokens import tokenize

if TYPE_CHECKING:  # pragma: no cover
    from qa.engine import CompiledRubric
    from qa.rules.rubric.model import Rule, Scope


def _scope_key(scope: Scope, timed: bool) -> tuple:
    """What a scope selects, as a hashable key (a value, not an object id that a freed scope may reuse)."""
    roles = scope.role
    if roles is not None and type(roles) is not tuple:
        roles = tuple(roles)
    return roles, scope.first, scope.last, scope.within_s if timed else None


_TAG_RE = re.compile(r"\[[^\]]*\]|<[^>]*>")


def is_speech(turn) -> bool:
    """False for call turns that are only annotation tags such as ``[noise]`` or ``<unk>``.

    Chat messages always count: ``[图片]`` or ``[表情]`` is something the customer sent."""
    if turn.meta.get("no_text") or (turn.start is None and turn.end is None):
        return True
    text = turn.text
    if "[" in text or "<" in text:
        text = _TAG_RE.sub("", text)
    return bool(text.strip())


class PreparedConversation:
    """What a checker's ``check`` receives: the conversation (``conversation``, also ``conv``) with, per
    turn, its normalised text (``texts[i]``), the phrase hits of every rule (``hits[group]``: ``(turn,
    start, end)``), the turns of each role, and on demand times, scopes and tokens."""

    def __init__(self, conv: Conversation, compiled: CompiledRubric):
        self.conv = conv
        self.compiled = compiled
        opts = compiled.normalize
        self.norm = [normalize_text(t.text, opts) for t in conv.turns]
        self.texts = [n.text for n in self.norm]
        self.hits: dict[int, list[tuple[int, int, int]]] = {}
        scan = compiled.phrases.scan_into
        for i, text in enumerate(self.texts):
            scan(text, i, self.hits)
        role_idx: dict[str, list[int]] = {}
        for i, t in enumerate(conv.turns):
            role_idx.setdefault(t.role, []).append(i)
        self.role_idx = role_idx
        self._scope_cache: dict[tuple, list[int]] = {}
        self._scope_sets: dict[tuple, frozenset[int]] = {}
        self._tokens: dict[int, list[tuple[str, int, int]]] = {}
        self.cache: dict[str, Any] = {}
        #: rule id → its findings on this conversation, filled as rules run (dependencies run first)
        self.findings: dict[str, list[Finding]] = {}

    def findings_of(self, rule_ids) -> list[Finding]:
        """The findings so far of the given rules (rules another rule reads run before it)."""
        out: list[Finding] = []
        for rid in rule_ids:
            out.extend(self.findings.get(rid, ()))
        return out

    @property
    def conversation(self) -> Conversation:
        """The conversation as read (``conv`` is the same object)."""
        return self.conv

    # -- time ----------------------------------------------------------------------------------

    @cached_property
    def has_call_times(self) -> bool:
        return any(t.start is not None for t in self.conv.turns)

    @cached_property
    def has_chat_times(self) -> bool:
        return any(t.ts is not None for t in self.conv.turns)

    @cached_property
    def turn_times(self) -> list[float | None]:
        """Seconds from the conversation start at which each turn began, where known (see ``turn_time``)."""
        conv = self.conv
        t0: Any = None
        out: list[float | None] = []
        for t in conv.turns:
            if t.start is not None:
                out.append(t.start)
            elif t.ts is not None:
                if t0 is None:
                    first = next((x.ts for x in conv.turns if x.ts is not None), None)
                    start = conv.started_at
                    try:
                        t0 = min(start, first) if start is not None and first is not None else (start or first)
                    except TypeError:
                        t0 = first
                try:
                    out.append((t.ts - t0).total_seconds())
                except TypeError:
                    out.append(None)
            else:
                out.append(None)
        return out

    def turn_time(self, i: int) -> float | None:
        """Seconds from the conversation start at which turn ``i`` began, if known.

        A call turn's ``start``; a chat message's ``ts`` less ``started_at`` or the first ``ts``, whichever
        is earlier. All turns are computed once, on first use.
        """
        return self.turn_times[i]

    # -- scope ---------------------------------------------------------------------------------

    def turns_with_roles(self, roles) -> list[int]:
        if roles is None:
            return list(range(len(self.conv.turns)))
        if len(roles) == 1:
            return self.role_idx.get(roles[0], [])
        return sorted(i for r in roles for i in self.role_idx.get(r, ()))

    @cached_property
    def speech(self) -> list[bool]:
        """:func:`is_speech` of every turn."""
        return [is_speech(t) for t in self.conv.turns]

    def turns_in_scope(self, rule_or_scope, *, timed: bool = True) -> list[int]:
        """Indices of the turns a rule's scope selects, in order.

        A call turn that is only an annotation tag (``[noise]``) is not a message: no scope selects it, so it is
        neither among an agent's first or last messages nor inside a courtesy window.

        ``within_s`` drops turns known to start later than that; a turn without a time stays in scope
        (the limit applies "where times exist"). ``timed=False`` ignores ``within_s``. Cached by what the
        scope selects, so rules with alike scopes (most look at all agent turns) share one list.
        """
        key = _scope_key(getattr(rule_or_scope, "scope", rule_or_scope), timed)
        idx = self._scope_cache.get(key)
        if idx is None:
            roles, first, last, limit = key
            idx = [i for i in self.turns_with_roles(roles) if self.speech[i]]
            if first:
                idx = idx[:first]
            elif last:
                idx = idx[-last:]
            if limit is not None:
                idx = [i for i in idx if (tt := self.turn_time(i)) is None or tt <= limit]
            self._scope_cache[key] = idx
        return idx

    def scope_set(self, rule_or_scope) -> frozenset[int]:
        """``turns_in_scope`` as a set, cached: for membership tests on phrase hits."""
        scope: Scope = getattr(rule_or_scope, "scope", rule_or_scope)
        key = _scope_key(scope, True)
        got = self._scope_sets.get(key)
        if got is None:
            got = self._scope_sets[key] = frozenset(self.turns_in_scope(scope))
        return got

    def hits_in(self, gid: int, turns=None) -> list[tuple[int, int, int]]:
        """Hits ``(turn, start, end)`` of phrase group ``gid``, optionally only in ``turns`` (a set)."""
        h = self.hits.get(gid, ())
        if turns is None:
            return list(h)
        return [x for x in h if x[0] in turns]

    def turn_has(self, gid: int, turn: int) -> bool:
        for h in self.hits.get(gid, ()):
            if h[0] == turn:
                return True
        return False

    def original_text(self, turn: int, start: int, end: int) -> str:
        """The input text of turn ``turn`` under the normalised span ``[start, end)``."""
        s, e = self.norm[turn].to_original(start, end)
        return self.conv.turns[turn].text[s:e]

    def sentence_bounds(self, turn: int, start: int, end: int) -> tuple[int, int]:
        return enclosing(self.texts[turn], start, end, SENTENCE_END)

    # -- tokens --------------------------------------------------------------------------------

    def tokens(self, i: int) -> list[tuple[str, int, int]]:
        """Tokens of turn ``i``'s normalised text as ``(token, start, end)``; jieba for zh, loaded lazily."""
        toks = self._tokens.get(i)
        if toks is None:
            toks = tokenize(self.texts[i], self.conv.language)
            self._tokens[i] = toks
        return toks

    # -- findings ------------------------------------------------------------------------------

    def make_finding(self, rule: Rule, turn: int | None, span: tuple[int, int] | None, message: str, *,
                     time: float | None = None, evidence: str | None = None, extra=None) -> Finding:
        orig_span = None
        speaker = None
        if turn is not None:
            t = self.conv.turns[turn]
            speaker = t.speaker or (self.conv.agent_id if t.role == "agent" else None)
            if span is not None:
                orig_span = self.norm[turn].to_original(*span)
                if evidence is None:
                    evidence = t.text[orig_span[0]:orig_span[1]]
            if time is None:
                time = self.turn_time(turn)
        if rule.message:
            fields = {"evidence": evidence or "", "message": message, "title": rule.title, "rule": rule.id,
                      **(extra or {})}
            try:
                message = rule.message.format(**fields)
            except (KeyError, IndexError, ValueError, AttributeError):
                message = rule.message  # a template naming an unknown field is shown as written
        extra = dict(extra) if extra else {}
        if span is not None:
            extra["_norm_span"] = span
        return Finding(rule=rule.id, checker=rule.checker, severity=rule.severity, message=message, turn=turn,
                       span=orig_span, time=time, evidence=evidence, points=rule.points, tags=rule.tags,
                       speaker=speaker, extra=extra)


Prepared = PreparedConversation
"""The name of :class:`PreparedConversation` in qa 0.1 (kept: plugins annotate with it)."""

"""A rubric after loading: plain dataclasses, validated and with ``extends`` resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scope:
    """Which turns a rule looks at.

    ``role``: roles whose turns count (``None`` = all). ``first``/``last``: only the first/last N
    turns of those roles. ``channel``: the rule applies only to these channels (else not
    applicable). ``within_s``: only turns starting within this many seconds of the conversation start.
    """

    role: tuple[str, ...] | None = None
    first: int | None = None
    last: int | None = None
    channel: tuple[str, ...] | None = None
    within_s: float | None = None


@dataclass
class Unless:
    """Exceptions that cancel a span finding.

    ``preceded_by``/``followed_by``: a phrase within ``window`` characters before/after the match in
    the same turn. ``same_sentence``: a phrase anywhere in the match's sentence. ``same_turn``: a
    phrase anywhere in the turn. ``regex``: an RE2 pattern matching the turn. ``next_turn``: a
    phrase in the same speaker's next turn (e.g. a refusal followed by an alternative). ``prev_turn``: a
    phrase in the nearest earlier turn of another role (e.g. 不可以的 answering 充电时可以使用吗).
    ``question``: the match sits in a question (是不能开机吗？, 能不能). ``answers_question``: the nearest earlier
    turn of another role asks a question, holds one of ``answers_question_about`` when given (what the question is
    about, e.g. using a product) and none of ``answers_question_unless`` (a request such as 帮我, 给我: then the
    answer refuses what was asked for rather than stating a fact). ``follows_statement``: an earlier clause of the
    match's turn states something (出厂都是按订单的呢，小妹这边无法修改订单的呢: the negative rests on it); questions
    and the words in ``follows_statement_skip`` (greetings, address terms) do not count as a statement.
    """

    preceded_by: tuple[str, ...] = ()
    followed_by: tuple[str, ...] = ()
    window: int = 12
    same_sentence: tuple[str, ...] = ()
    same_turn: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    next_turn: tuple[str, ...] = ()
    prev_turn: tuple[str, ...] = ()
    question: bool = False
    answers_question: bool = False
    answers_question_about: tuple[str, ...] = ()
    answers_question_unless: tuple[str, ...] = ()
    follows_statement: bool = False
    follows_statement_skip: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.preceded_by or self.followed_by or self.same_sentence or self.same_turn
                    or self.regex or self.next_turn or self.prev_turn or self.question or self.answers_question
                    or self.follows_statement)


@dataclass
class InReplyTo:
    """A condition on the reply a span finding sits in: the nearest earlier turn of another role carries a finding
    of one of ``findings`` (rule ids or ``tag:NAME``, run first) or one of ``phrases``."""

    findings: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.findings or self.phrases)


@dataclass
class Example:
    """A rule example: ``text`` is one turn of the rule's scope role, or a whole conversation dict."""

    kind: str  # "pass" | "fail"
    text: str | None = None
    conversation: dict[str, Any] | None = None
    line: int | None = None
    role: str | None = None                  # who speaks a one-turn example (default: the scope's first role)
    evidence: tuple[str, ...] | None = None  # fail examples: text the findings must quote


@dataclass
class Rule:
    id: str
    checker: str
    title: str
    severity: str = "minor"
    points: float = 1.0
    max_points: float | None = None
    section: str | None = None
    why: str = ""
    source: str | None = None
    tags: tuple[str, ...] = ()
    message: str | None = None
    scope: Scope = field(default_factory=Scope)
    unless: Unless = field(default_factory=Unless)
    examples: list[Example] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    #: False for a helper rule whose findings only feed other rules (trigger.findings, in_reply_to): it runs, but
    #: its findings are not part of the result and deduct nothing
    report: bool = True
    in_reply_to: InReplyTo = field(default_factory=InReplyTo)
    origin: str | None = None   # "path:line" where the rule was defined
    line: int | None = None
    #: line of each key of the rule ("phrases") and of list items ("phrases[2]"), for precise errors
    key_lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    #: how errors name the rule, e.g. "rules[3] (ban.refusal)"
    where: str = field(default="", repr=False, compare=False)
    #: the lexicons the rule's phrase lists name ($apology …), already expanded into its options
    lexicons: tuple[str, ...] = ()
    #: the rule as written (its YAML mapping) and its index in its file's rules, to build it again with an
    #: extending rubric's lexicons
    node: Any = field(default=None, repr=False, compare=False)
    index: int = field(default=0, repr=False, compare=False)

    def key_path(self, key: str) -> str:
        """The error-message path of one of this rule's keys: ``rules[3] (ban.refusal).phrases[1]``."""
        return f"{self.where or self.id}.{key}"

    def line_of(self, key: str) -> int | None:
        """The line where ``key`` (or list item ``key[i]``) was written, else the rule's line."""
        return self.key_lines.get(key) or self.key_lines.get(key.split("[")[0]) or self.line

    @property
    def cap(self) -> float:
        """The most this rule can deduct from one conversation."""
        return self.max_points if self.max_points is not None else self.points

    @property
    def fatal(self) -> bool:
        return self.severity == "critical"


@dataclass
class Section:
    id: str
    title: str
    weight: float


@dataclass
class Scoring:
    base: float = 100.0
    pass_mark: float = 80.0
    fatal: str = "zero"  # "zero" | "fail" | "ignore"


@dataclass
class Rubric:
    id: str
    version: str
    title: str
    language: str
    scoring: Scoring
    sections: list[Section]
    rules: list[Rule]
    path: str | None = None
    extends: tuple[str, ...] = ()
    normalize: dict[str, Any] = field(default_factory=dict)
    scorecard: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    hash: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    #: named phrase lists (``$apology``), this rubric's and its parents' (qa.rubric.lexicons.Lexicon)
    lexicons: dict[str, Any] = field(default_factory=dict)

    @property
    def active_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def ref(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "hash": self.hash}

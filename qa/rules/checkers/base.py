"""The checker contract.

A checker is a class registered through the ``qa_checkers`` hook. qa creates one instance per
rubric rule that names it (``checker: <name>``) when the rubric compiles, then calls
:meth:`Checker.check` once per conversation. Compile-time work (phrase registration, regex
compilation, model loading) belongs in ``__init__``; ``check`` must be fast and pure.

Minimal example::

    from qa import Checker, Option

    class ShoutingChecker(Checker):
        name = "shouting"
        description = "Agent turns written in capitals."
        options = {"min_letters": Option(int, default=8, doc="letters before a turn counts")}

        def check(self, prepared):
            out = self.outcome()
            for i in prepared.turns_in_scope(self.rule):
                text = prepared.conversation.turns[i].text
                if sum(c.isupper() for c in text) >= self.opt("min_letters") and text.isupper():
                    out.findings.append(self.finding(prepared, i, (0, len(prepared.texts[i])), "turn is all capitals"))
            return out

``check`` receives a :class:`qa.PreparedConversation`: the conversation with its normalised texts,
phrase hits, scopes, times and tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from qa.errors import RubricError, did_you_mean
from qa.model import Finding, RuleOutcome
from qa.rules.text.normalize import normalize_phrase

if TYPE_CHECKING:  # pragma: no cover
    from qa.engine.prepared import PreparedConversation
    from qa.rules.rubric.model import Rubric, Rule
    from qa.rules.text.normalize import NormalizeOptions
    from qa.rules.text.phrases import PhraseIndex

_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true/false",
               list: "a list", dict: "a mapping"}


#: The shared outcome "applicable, nothing found": return it instead of allocating one per
#: conversation when a checker finds nothing. Never mutate it.
NO_FINDINGS = RuleOutcome()


@dataclass
class Option:
    """A checker-specific rule key: its type, default and documentation (shown by ``qa rubric show``)."""

    type: Any = str
    default: Any = None
    required: bool = False
    doc: str = ""
    choices: tuple | None = None
    item: Any = None  # element type for lists
    #: where lexicon references (``$apology``) expand: True for a phrase list (or a list of phrase lists),
    #: a tuple of keys for a mapping whose values under those keys are phrase lists
    phrases: bool | tuple[str, ...] = False
    #: True for a list of regex patterns: ``{$name}`` inside a pattern splices a lexicon in
    patterns: bool = False

    def validate(self, value: Any, *, path=None, line=None, field=None) -> Any:
        t = self.type
        ok_types = t if isinstance(t, tuple) else (t,)
        if float in ok_types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if list in ok_types and isinstance(value, str) and self.item in (str, None):
            value = [value]
        if not isinstance(value, ok_types) or (isinstance(value, bool) and bool not in ok_types):
            want = " or ".join(_TYPE_NAMES.get(x, x.__name__) for x in ok_types)
            raise RubricError(f"expected {want}, got {value!r}", path=path, line=line, field=field)
        if self.choices is not None and value not in self.choices:
            raise RubricError(f"expected one of {list(self.choices)}, got {value!r}", path=path, line=line,
                              field=field, hint=did_you_mean(str(value), map(str, self.choices)))
        if isinstance(value, list) and self.item is not None:
            for j, v in enumerate(value):
                if not isinstance(v, self.item) or (isinstance(v, bool) and self.item is not bool):
                    raise RubricError(f"item {j} should be {_TYPE_NAMES.get(self.item, self.item.__name__)}, "
                                      f"got {v!r}", path=path, line=line, field=field)
            if self.item is str:
                value = [str(v) for v in value]
        return value


@dataclass
class CompileContext:
    """What a checker may use while compiling its rule."""

    rubric: Rubric
    phrases: PhraseIndex
    normalize: NormalizeOptions
    cache: dict[str, Any] = field(default_factory=dict)
    embedders: Mapping[str, Any] = field(default_factory=dict)  # name → embedding backend (``similar`` rules)

    def add_phrases(self, phrases) -> int:
        """Register phrases (normalised like the text) in the shared automaton; returns a group id."""

        return self.phrases.add(normalize_phrase(p, self.normalize) for p in phrases)


class Checker:
    """Base class of every checker (builtin or plugin)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    options: ClassVar[dict[str, Option]] = {}
    #: The data the checker can work from: any of "ts" (chat times), "times" (call start/end), "words".
    #: Declarative (listed by ``qa plugins``); ``check`` itself returns ``not_applicable(reason)`` with a
    #: precise reason ("turn 3 has no end time") when the conversation lacks it.
    needs: ClassVar[tuple[str, ...]] = ()
    #: True if findings carry text spans that `unless` exceptions should filter.
    span_findings: ClassVar[bool] = False

    def __init__(self, rule: Rule, ctx: CompileContext):
        self.rule = rule
        self.ctx = ctx

    def opt(self, key: str) -> Any:
        return self.rule.options.get(key)

    def outcome(self) -> RuleOutcome:
        return RuleOutcome()

    def not_applicable(self, reason: str) -> RuleOutcome:
        return RuleOutcome(applicable=False, reason=reason)

    def finding(self, prepared: PreparedConversation, turn: int | None, span: tuple[int, int] | None, message: str,
                *, time: float | None = None, evidence: str | None = None, **extra) -> Finding:
        """A finding for this rule; ``span`` is in normalised-text coordinates of ``turn``."""
        return prepared.make_finding(self.rule, turn, span, message, time=time, evidence=evidence, extra=extra)

    def span_finding(self, prepared: PreparedConversation, turn: int, span: tuple[int, int]) -> Finding:
        """A finding for matched text: the message quotes the evidence (unless the rule sets ``message``)."""
        f = prepared.make_finding(self.rule, turn, span, "")
        if not self.rule.message:
            f.message = f"{self.rule.title}: “{f.evidence}”"
        return f

    def check(self, prepared: PreparedConversation) -> RuleOutcome:
        """The rule's outcome on one conversation (``prepared``: it, normalised and scanned)."""
        raise NotImplementedError

    @classmethod
    def validate_rule(cls, rule: Rule, path: str | None) -> None:
        """Hook for cross-option validation at load time; raise RubricError on a mistake."""

    @classmethod
    def dependencies(cls, rule: Rule) -> tuple[str, ...]:
        """Rules whose findings this rule reads (ids or ``tag:NAME``): the engine runs them first and hands
        their findings over as ``conv.findings_of(ids)``. A selector naming no rule, or a cycle, is a rubric
        error."""
        return ()

"""Named lexicons: defined once, used as $name in any phrase list, inherited and redefined through extends."""

import json

import pytest

from qa import load_rubric, rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn

BASE = """id: base
version: 1.0.0
language: zh
lexicons:
  apology: [抱歉, 对不起]
  reason:
    about: a reason clause
    source: 003 应答规范
    phrases: [因为, 由于]
  excuse: [$apology, $reason]
rules:
  - id: ban.refusal
    checker: phrase
    scope: {role: agent}
    phrases: [不行]
    unless: {same_turn: [$excuse]}
  - id: courtesy.apology
    checker: required
    scope: {role: agent}
    trigger: {role: customer, phrases: [太慢]}
    phrases: [$apology]
  - id: ban.bare
    checker: regex
    scope: {role: agent}
    patterns: ['^不行{$apology}?$']
"""


def chat(*pairs):
    return Conversation("c", [Turn(role, text) for role, text in pairs], language="zh")


def fired(rubric, *pairs):
    return sorted({f["rule"] for f in score_conversation(chat(*pairs), rubric)["findings"]})


@pytest.fixture
def base(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    return tmp_path


def test_references_expand_in_phrases_unless_triggers_and_patterns(base):
    r = load_rubric(base / "base.yaml")
    assert r.rule("ban.refusal").unless.same_turn == ("抱歉", "对不起", "因为", "由于")
    assert r.rule("courtesy.apology").options["phrases"] == ["抱歉", "对不起"]
    assert r.rule("ban.refusal").lexicons == ("excuse",)
    assert fired(r, ("agent", "不行")) == ["ban.bare", "ban.refusal"]
    assert fired(r, ("agent", "由于下雨，不行")) == []
    assert fired(r, ("customer", "太慢了"), ("agent", "马上处理")) == ["courtesy.apology"]
    assert fired(r, ("customer", "太慢了"), ("agent", "对不起，马上处理")) == []


def test_a_child_redefinition_reaches_the_rules_it_inherits(base):
    (base / "child.yaml").write_text("""id: child
version: 1.0.0
extends: [base]
lexicons:
  apology: [$apology, 不好意思]     # the parent's list plus one
""", encoding="utf-8")
    parent, child = load_rubric(base / "base.yaml"), load_rubric(base / "child.yaml")
    assert child.lexicons["apology"].phrases == ("抱歉", "对不起", "不好意思")
    assert child.lexicons["excuse"].phrases[:3] == ("抱歉", "对不起", "因为")  # $excuse was resolved by the parent
    assert child.rule("courtesy.apology").options["phrases"] == ["抱歉", "对不起", "不好意思"]
    assert fired(parent, ("customer", "太慢了"), ("agent", "不好意思")) == ["courtesy.apology"]
    assert fired(child, ("customer", "太慢了"), ("agent", "不好意思")) == []
    assert child.rule("courtesy.apology").origin.startswith(str(base / "base.yaml"))
    assert child.hash != parent.hash


def test_a_lexicon_only_file_can_be_shared_through_extends(base):
    (base / "words.yaml").write_text("id: words\nversion: 1\nlexicons:\n  closing: [再见, 还有其他]\n", encoding="utf-8")
    (base / "r.yaml").write_text("id: r\nversion: 1\nextends: [words]\nrules:\n  - id: courtesy.closing\n"
                                 "    checker: required\n    scope: {role: agent, last: 1}\n    phrases: [$closing]\n",
                                 encoding="utf-8")
    r = load_rubric(base / "r.yaml")
    assert fired(r, ("agent", "好的")) == ["courtesy.closing"]
    assert fired(r, ("agent", "好的，再见")) == []


@pytest.mark.parametrize("text, message", [
    ("lexicons:\n  apology: [抱歉]\nrules:\n  - id: a\n    checker: phrase\n    phrases: [$apolgy]\n",
     "r.yaml:8 [rules[0] (a).phrases[0]]: unknown lexicon $apolgy — did you mean '$apology'?"),
    ("lexicons:\n  apology: [抱歉]\nrules:\n  - id: a\n    checker: phrase\n    phrases: [x]\n"
     "    unless:\n      same_turn:\n        - 因为\n        - $reasn\n",
     "r.yaml:12 [rules[0] (a).unless.same_turn[1]]: unknown lexicon $reasn — lexicons: $apology"),
    ("rules:\n  - id: a\n    checker: phrase\n    phrases: [$x]\n",
     "r.yaml:6 [rules[0] (a).phrases[0]]: unknown lexicon $x — define it under the rubric's `lexicons:` key"),
    ("lexicons:\n  a: [$b]\n  b: [x, $a]\n",
     "r.yaml:4 [lexicons.a]: lexicons refer to each other in a cycle: $a → $b → $a"),
    ("lexicons:\n  a: [$a]\n",
     "r.yaml:4 [lexicons.a[0]]: lexicon $a refers to itself and no parent rubric defines it"),
    ("lexicons:\n  a: []\n", "r.yaml:4 [lexicons.a]: a lexicon is a non-empty list of phrases"),
    ("lexicons:\n  a: {phrase: [x]}\n", "r.yaml:4 [lexicons.a.phrase]: unknown key 'phrase' — did you mean 'phrases'?"),
    ("lexicons:\n  bad-name: [x]\n", "r.yaml:4 [lexicons.bad-name]: lexicon name 'bad-name' must be a word of "
     "letters, digits and _"),
    ("lexicons:\n  a: [x]\nrules:\n  - id: a\n    checker: regex\n    patterns: [$a]\n",
     "r.yaml:8 [rules[0] (a).patterns[0]]: '$a' is a lexicon reference in a list of regex patterns — write {$a} "
     "inside a pattern to splice the lexicon in"),
])
def test_mistakes_name_file_line_and_key(text, message):
    with pytest.raises(RubricError) as exc:
        rubric_from_text("id: t\nversion: 1\n" + text, path="r.yaml")
    assert str(exc.value) == message


def test_spliced_phrases_are_escaped():
    r = rubric_from_text("id: t\nversion: 1\nlexicons:\n  odd: ['a.b', 'c+']\nrules:\n  - id: x\n    checker: regex\n"
                         "    patterns: ['^{$odd}$']\n", path="r.yaml")
    assert fired(r, ("agent", "a.b")) == ["x"] and fired(r, ("agent", "axb")) == []


def test_show_lists_lexicons_and_the_rules_as_written(base, run_qa):
    code, out, _ = run_qa("rubric", "show", base / "base.yaml")
    assert code == 0
    assert "  lexicon $excuse: $apology, $reason → 4 phrases" in out
    assert "used by ban.refusal" in out
    assert '  unless: {"window": 12, "same_turn": ["$excuse"]}' in out
    code, out, _ = run_qa("rubric", "show", base / "base.yaml", "-f", "json")
    data = json.loads(out)
    lex = {x["name"]: x for x in data["lexicons"]}
    assert lex["reason"]["about"] == "a reason clause" and lex["reason"]["source"] == "003 应答规范"
    assert sorted(lex["apology"]["used_by"]) == ["ban.bare", "ban.refusal", "courtesy.apology"]
    refusal = next(x for x in data["rules"] if x["id"] == "ban.refusal")
    assert refusal["written"] == {"unless.same_turn": ["$excuse"]}
    code, out, _ = run_qa("rubric", "show", base / "base.yaml", "-f", "markdown")
    assert "| `$reason` — a reason clause | 因为、由于 |" in out

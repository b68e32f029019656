import pytest

from qa import rubric_from_text, score_conversation
from qa.errors import RubricError
from qa.model import Conversation, Turn

ZH = """
id: t
version: "1"
language: zh
rules:
  - id: ban.wo-bu-neng
    checker: token-pattern
    scope: {role: agent}
    patterns:
      - [{ORTH: 我}, {OP: "{0,3}"}, {TEXT: {REGEX: "^不[能会管]"}}]
  - id: ban.mei-fa
    checker: token-pattern
    patterns: [{ORTH: 没法}]
"""


def _conv(*texts, language="zh"):
    return Conversation("c", [Turn("agent", t) for t in texts], language=language)


def test_zh_pattern_over_jieba_words_with_a_wildcard_gap():
    r = score_conversation(_conv("这个我真的不能给您办", "我们会尽快处理，我这边不管", "我们马上处理"),
                           rubric_from_text(ZH, "t.yaml"))
    got = [(f["rule"], f["turn"], f["span"], f["evidence"]) for f in r["findings"]]
    assert got == [("ban.wo-bu-neng", 0, [2, 7], "我真的不能"), ("ban.wo-bu-neng", 1, [8, 13], "我这边不管")]


def test_word_boundaries_matter_unlike_substrings():
    # a substring search for 没法 would also hit 没法律援助 (没 + 法律援助); the word pattern does not
    r = score_conversation(_conv("这个没法办", "我们没法律援助"), rubric_from_text(ZH, "t.yaml"))
    assert [(f["rule"], f["turn"], f["span"]) for f in r["findings"]] == [("ban.mei-fa", 0, [2, 4])]


def test_english_uses_spacy_tokens():
    en = """
id: e
version: "1"
language: en
rules:
  - id: ban.cant
    checker: token-pattern
    patterns:
      - [{LOWER: i}, {LOWER: {IN: [ca, can]}}, {LOWER: {IN: ["n't", not]}}, {LOWER: {IN: [do, help]}}]
"""
    r = score_conversation(_conv("Sorry, I can't do that.", "I cannot help", "I can help", language="en"),
                           rubric_from_text(en, "e.yaml"))
    # spaCy splits can't → ca + n't and cannot → can + not; spans cover the words as typed
    assert [(f["turn"], f["evidence"]) for f in r["findings"]] == [(0, "I can't do"), (1, "I cannot help")]


@pytest.mark.parametrize("spec, expected", [
    ("{ORTHO: 我}", "x.yaml:8 [rules[0] (r).patterns[0][0].ORTHO]: unknown token attribute 'ORTHO' — did you mean 'ORTH'?"),
    ("{POS: PRON}", "x.yaml:8 [rules[0] (r).patterns[0][0].POS]: token attribute 'POS' needs a trained spaCy model"),
    ('{OP: "{0,x}"}', "x.yaml:8 [rules[0] (r).patterns[0]]: invalid spaCy token pattern: [token 0 -> OP"),
])
def test_bad_patterns_are_reported_at_load_with_line(spec, expected):
    text = f"id: t\nversion: 1\nrules:\n  - id: r\n    checker: token-pattern\n    patterns:\n      - [{{ORTH: 好}}]\n      - [{spec}]\n"
    with pytest.raises(RubricError) as e:
        rubric_from_text(text, "x.yaml")
    assert str(e.value).startswith(expected.replace("patterns[0]", "patterns[1]"))


def test_spacy_and_jieba_load_only_for_token_pattern_rules(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from qa import compile_rubric, rubric_from_text, score_conversation\n"
        "from qa.model import Conversation, Turn\n"
        "r = rubric_from_text('id: t\\nversion: 1\\nrules:\\n  - {id: a, checker: phrase, phrases: [不能]}\\n')\n"
        "score_conversation(Conversation('c', [Turn('agent', '不能')]), compile_rubric(r))\n"
        "print('spacy' in sys.modules, 'jieba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_required_literals_of_a_pattern():
    from qa.rules.checkers.token_pattern import required_literals

    assert required_literals([{"ORTH": "我"}, {"OP": "{0,3}"}, {"TEXT": {"REGEX": "^不"}}]) == (frozenset({"我"}),)
    assert required_literals([{"LOWER": "I"}, {"LOWER": {"IN": ["Can", "could"]}, "OP": "+"},
                              {"LOWER": "not", "OP": "?"}, {"NORM": "not"}]) == (
        frozenset({"i"}), frozenset({"can", "could"}))
    assert required_literals([{"ORTH": "x", "OP": "{2,}"}, {"ORTH": "y", "OP": "!"}]) == (frozenset({"x"}),)
    assert required_literals([{"IS_DIGIT": True}]) == ()


def test_literal_prefilter_changes_nothing(tmp_path):
    """Turns without a pattern's literal tokens are not tokenised; the findings are the same as without the filter."""
    from pathlib import Path

    from qa import compile_rubric, read_conversations

    sample = Path(__file__).resolve().parents[3] / "corpora" / "zh-chat-timed" / "sample.jsonl"
    if not sample.exists():
        pytest.skip("corpus sample not present")
    convs = list(read_conversations([str(sample)]))
    text = ZH + """  - id: free
    checker: token-pattern
    patterns: [[{TEXT: {REGEX: "^稍"}}, {IS_PUNCT: true, OP: "?"}]]
"""

    def findings(prefilter: bool):
        compiled = compile_rubric(rubric_from_text(text, "t.yaml"))
        shared = compiled.rules[0].checker.shared
        shared.filters, shared.always = (shared.filters, shared.always) if prefilter else ([], True)
        return [[(f["rule"], f["turn"], f["span"]) for f in score_conversation(c, compiled)["findings"]]
                for c in convs]

    # the rule without literals forces tokenising; compare a rubric without it as well
    with_free = findings(True)
    assert with_free == findings(False) and any(with_free)
    text = ZH
    assert findings(True) == findings(False)

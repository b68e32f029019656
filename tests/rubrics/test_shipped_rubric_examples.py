"""Every example of every rule of every shipped rubric, run through qa's pytest plugin.

Rubrics added to rubrics/ are picked up automatically; a rubric that fails to load is one failing
test carrying the loader's message. Ids look like ``zh-customer-service/ban.refusal/fail-2``, so
``pytest -k ban.refusal`` runs one rule's examples.
"""

from pathlib import Path

import pytest

from qa.testing import rubric_example_tests

RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"

test_shipped_rubric_example = rubric_example_tests(*sorted(RUBRICS.glob("*.yaml")), *sorted(RUBRICS.glob("*.yml")))


def test_shipped_rubrics_are_found():
    assert sorted(RUBRICS.glob("*.yaml")), "no rubric in rubrics/"


def _fail_examples():
    from qa import load_rubric

    for path in sorted(RUBRICS.glob("*.yaml")):
        rubric = load_rubric(path)
        for rule in rubric.active_rules:
            for index, ex in enumerate(e for e in rule.examples if e.kind == "fail"):
                yield pytest.param(rubric, rule, ex, index, id=f"{rubric.id}/{rule.id}/fail-{index}")


@pytest.mark.parametrize(("rubric", "rule", "example", "index"), list(_fail_examples()))
def test_shipped_fail_examples_find_the_evidence_where_it_is(rubric, rule, example, index):
    """Firing is not enough: each finding points at text of the example — a span finding's evidence is the
    text at its span, in a turn the rule's scope looks at, and a phrase rule's evidence is one of its phrases."""
    from qa import Registry
    from qa.rules.rubric.examples import example_conversation, run_example
    from qa.rules.text.normalize import NormalizeOptions, normalize_phrase
    from qa.testing import compiled

    registry = Registry.build()
    res = run_example(rubric, compiled(rubric, registry, report_all=True), rule, example, index)
    assert res.ok, res.message
    conv = example_conversation(rubric, rule, example)
    texts = [t.text for t in conv.turns]
    norm = NormalizeOptions.for_language(rubric.language, rubric.normalize)
    phrases = {normalize_phrase(p, norm) for p in rule.options.get("phrases") or ()}
    for f in res.findings:
        where = f"{rule.id} finding {f['message']!r}"
        if f["turn"] is None:
            continue  # a conversation-level finding (e.g. a greeting that never came)
        assert 0 <= f["turn"] < len(texts), where
        if rule.scope.role and f["span"] is not None:
            assert conv.turns[f["turn"]].role in rule.scope.role, where
        if f["span"] is not None:
            start, end = f["span"]
            assert 0 <= start < end <= len(texts[f["turn"]]), where
            assert texts[f["turn"]][start:end] == f["evidence"], where
            if rule.checker == "phrase" and phrases:
                assert normalize_phrase(f["evidence"], norm) in phrases, where
        elif f["evidence"]:
            assert any(f["evidence"].rstrip("…") in t for t in texts), where

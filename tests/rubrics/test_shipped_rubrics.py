"""The shipped rubrics load, carry the policy metadata a QA lead needs, and every rule's examples hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Registry

ROOT = Path(__file__).resolve().parents[2]
RUBRICS = {"zh": ROOT / "rubrics" / "zh-customer-service.yaml", "en": ROOT / "rubrics" / "en-customer-service.yaml"}
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILES = ("000_2db4ac1764eff292.txt", "001_acb9b0d5fc38ba9d.txt", "002_3273552bccc77325.txt",
              "003_6a5b40f2beb6db13.txt", "004_abd9d865a0d8042e.txt")
COURTESY_TAGS = ("courtesy.greeting", "courtesy.closing", "courtesy.apology", "courtesy.hold")


def _load(lang):
    from qa import load_rubric

    return load_rubric(str(RUBRICS[lang]))


def _own_rules(rubric):
    """Rules defined in the file itself (not inherited through extends)."""
    return [r for r in rubric.rules if r.origin and r.origin.startswith(str(RUBRICS[rubric.language]))]


def _rule_params():
    from qa import load_rubric

    return [pytest.param(lang, rule.id, id=f"{lang}/{rule.id}")
            for lang, path in RUBRICS.items() for rule in _own_rules(load_rubric(str(path)))]


@pytest.mark.parametrize("lang", sorted(RUBRICS))
def test_rubric_loads_with_policy_metadata(lang):
    r = _load(lang)
    assert r.id == f"{lang}-customer-service" and r.language == lang
    assert [int(x) for x in r.version.split(".")] >= [1, 0, 0] and len(r.version.split(".")) == 3
    assert (r.scoring.base, r.scoring.pass_mark, r.scoring.fatal) == (100, 80, "zero")
    assert {"etiquette", "language", "norms", "complaint"} <= {s.id for s in r.sections}
    # composed with the timing and complaint rubrics on one 100-point scale; complaint labels weigh nothing; the
    # shared word lists come from the language's lexicon file
    assert r.extends == (f"lexicons-{lang}", f"cs-timing-{lang}", f"complaints-{lang}")
    weights = {s.id: s.weight for s in r.sections}
    assert sum(weights.values()) == 100 and weights["general"] == 0
    own = _own_rules(r)
    assert len(own) >= 15
    families = {rule.id.split(".")[0] for rule in own}
    assert {"ban", "courtesy", "norm"} <= families
    for rule in own:
        assert rule.title and rule.why and rule.section, rule.id
        assert rule.source and any(f in rule.source for f in SEED_FILES), f"{rule.id}: source must name a seed file"
        assert rule.severity in ("info", "minor", "major", "critical")
        assert (rule.points == 0) == (rule.severity == "info"), f"{rule.id}: info rules deduct nothing, others do"
        kinds = {ex.kind for ex in rule.examples}
        assert kinds == {"pass", "fail"}, f"{rule.id} needs pass and fail examples"
    tags = {t for rule in own for t in rule.tags}
    assert "banned" in tags
    for tag in COURTESY_TAGS:
        assert tag in tags, tag


def test_zh_rules_cover_every_seed_document():
    cited = {f for rule in _own_rules(_load("zh")) for f in SEED_FILES if f in (rule.source or "")}
    assert cited == set(SEED_FILES)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not present")
def test_zh_sources_name_existing_seed_files():
    for f in SEED_FILES:
        assert (SEEDS / f).is_file(), f


@pytest.mark.parametrize("lang,rule_id", _rule_params())
def test_rule_examples_hold(lang, rule_id):
    """`qa rubric test` semantics: fail examples produce a finding, pass examples apply and produce none."""
    from qa.rules.rubric.examples import run_examples

    results = run_examples(_load(lang), Registry.build().checkers, [rule_id])
    assert {r.kind for r in results} == {"pass", "fail"}
    bad = [r.describe() for r in results if not r.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", sorted(RUBRICS))
def test_fail_examples_are_scored_with_the_rules_points(qa_score, lang):
    rubric = _load(lang)
    # rules that score: not switched off, not helper rules whose findings only feed other rules
    for rule in (r for r in _own_rules(rubric) if r.enabled and r.report):
        for ex in (e for e in rule.examples if e.kind == "fail"):
            item = ex.conversation if ex.conversation is not None else ex.text
            channel = {"channel": rule.scope.channel[0]} if rule.scope.channel else {}
            if isinstance(item, str):
                item = {"turns": [{"role": (rule.scope.role or ("agent",))[0], "text": item}], **channel}
            res = qa_score(rubric, {**channel, **item}, select=(rule.id,))
            hits = [f for f in res["findings"] if f["rule"] == rule.id]
            assert hits and all(f["points"] == rule.points and f["severity"] == rule.severity
                                and list(f["tags"]) == list(rule.tags) for f in hits), rule.id
            if rule.severity == "critical":
                assert res["score"] == 0.0 and res["fatal"] and not res["passed"]
            elif rule.severity == "info":
                assert res["score"] == 100.0
            else:
                assert res["score"] < 100


@pytest.mark.parametrize("lang", sorted(RUBRICS))
def test_rubric_lints_clean(lang):
    """No lint warnings (redundant or duplicate phrases, rules without examples …). Info notes such as
    "this pass example passes only through `unless`" are the point of the near-miss examples."""
    from qa.rules.rubric.lint import lint_rubric

    issues = [str(i) for i in lint_rubric(_load(lang), Registry.build().checkers, run_examples=False)
              if i.path in (None, str(RUBRICS[lang])) and i.level != "info"]
    assert issues == []

"""The shipped timing rubrics: seed thresholds, sources, tags, and examples that really judge."""

from pathlib import Path

import pytest

from qa import Registry, load_rubric, score_conversation
from qa.testing import compiled, example_cases, rubric_example_tests

ROOT = Path(__file__).resolve().parents[4]
RUBRICS = [ROOT / "rubrics" / "cs-timing-zh.yaml", ROOT / "rubrics" / "cs-timing-en.yaml"]
SEED_FILES = ("000_2db4ac1764eff292.txt", "001_acb9b0d5fc38ba9d.txt", "002_3273552bccc77325.txt",
              "003_6a5b40f2beb6db13.txt", "004_abd9d865a0d8042e.txt")
TAGS = {"timing.interruption", "timing.silence", "timing.first_response", "timing.reply_wait",
        "timing.speech_rate", "timing.handle_time", "timing.long_message", "timing.follow_up"}

test_timing_rubric_examples = rubric_example_tests(*map(str, RUBRICS))


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.stem)
def test_seed_thresholds_sources_and_tags(path):
    r = load_rubric(str(path))
    rules = {rule.id: rule for rule in r.rules}
    assert rules["timing.first_response"].options["max_s"] == 15
    assert rules["timing.reply_wait"].options["max_s"] == 20
    assert rules["timing.follow_up"].options["max_hours"] == 24
    assert rules["timing.callback"].options["max_hours"] == 72
    assert rules["timing.interruption"].options["min_overlap_ms"] == 500
    if r.language == "zh":
        assert rules["timing.typing_rate"].options["min_rate"] == 50
        assert rules["timing.typing_rate"].options["unit"] == "chars"
    assert {t for rule in r.rules for t in rule.tags} == TAGS
    for rule in r.rules:
        assert rule.id.startswith("timing.") and rule.section and rule.why, rule.id
        assert any(f in (rule.source or "") for f in SEED_FILES), f"{rule.id}: source must name a seed file"
        assert {ex.kind for ex in rule.examples} == {"pass", "fail"}, rule.id


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.stem)
def test_pass_examples_are_judged_not_skipped(path):
    """A pass example that is merely not applicable would pass vacuously."""
    registry = Registry.build()
    r = load_rubric(str(path))
    for case in example_cases(r, registry):
        res = score_conversation(case.conversation(), compiled(r, registry))
        assert case.rule.id not in res["not_applicable"], (case.id, res["not_applicable_reasons"])

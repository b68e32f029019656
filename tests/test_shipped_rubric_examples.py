"""Every example of every rule of every shipped rubric, run through qa's pytest plugin.

Rubrics added to rubrics/ are picked up automatically; a rubric that fails to load is one failing
test carrying the loader's message. Ids look like ``zh-customer-service/ban.refusal/fail-2``, so
``pytest -k ban.refusal`` runs one rule's examples.
"""

from pathlib import Path

from qa.testing import rubric_example_tests

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"

test_shipped_rubric_example = rubric_example_tests(*sorted(RUBRICS.glob("*.yaml")), *sorted(RUBRICS.glob("*.yml")))


def test_shipped_rubrics_are_found():
    assert sorted(RUBRICS.glob("*.yaml")), "no rubric in rubrics/"

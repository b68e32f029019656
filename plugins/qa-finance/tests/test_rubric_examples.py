"""Every example in the pack's rubric runs as a test (through qa's pytest plugin)."""

from qa.testing import rubric_example_tests

test_finance_examples = rubric_example_tests("finance-compliance")

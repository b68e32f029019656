"""The pack's qa hooks. Checker modules are imported inside the hooks so `qa --help` stays fast."""

from __future__ import annotations

from pathlib import Path

from qa import hookimpl

RUBRICS = Path(__file__).resolve().parent / "rubrics"


@hookimpl
def qa_checkers():
    from qa_finance.checkers import DisclosureChecker, PiiReadbackChecker

    return [PiiReadbackChecker, DisclosureChecker]


@hookimpl
def qa_rubric_paths():
    return [RUBRICS]

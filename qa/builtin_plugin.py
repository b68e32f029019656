"""The builtin plugin: qa's own checkers, readers, reporters and rubrics, registered through the
same hooks as any third-party plugin. Imports happen inside the hooks so ``qa --help`` stays fast."""

from __future__ import annotations

from pathlib import Path

from qa import hookimpl

RUBRICS_DIR = Path(__file__).resolve().parent / "rubrics"


@hookimpl
def qa_checkers():
    from qa.checkers.phrase import PhraseChecker
    from qa.checkers.regex import RegexChecker
    from qa.checkers.required import RequiredChecker
    from qa.checkers.token_pattern import TokenPatternChecker

    return [PhraseChecker, RequiredChecker, RegexChecker, TokenPatternChecker]


@hookimpl
def qa_readers():
    from qa.readers.jsonl import JsonlReader

    return [JsonlReader()]


@hookimpl
def qa_reporters():
    from qa.reporters.basic import CsvReporter, JsonlReporter, JsonReporter, TableReporter

    return [JsonlReporter(), JsonReporter(), CsvReporter(), TableReporter()]


@hookimpl
def qa_rubric_paths():
    return [RUBRICS_DIR] if RUBRICS_DIR.is_dir() else []

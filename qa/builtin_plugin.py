"""The builtin plugin: qa's own checkers, readers, reporters and rubrics, registered through the
same hooks as any third-party plugin. Imports happen inside the hooks so ``qa --help`` stays fast."""

from __future__ import annotations

from pathlib import Path

from qa import hookimpl

RUBRICS_DIR = Path(__file__).resolve().parent / "rubrics"


@hookimpl
def qa_checkers():
    from qa.checkers.complaint import ComplaintTypeChecker
    from qa.checkers.phrase import PhraseChecker
    from qa.checkers.regex import RegexChecker
    from qa.checkers.required import RequiredChecker
    from qa.checkers.similar import SimilarChecker
    from qa.checkers.timing import checkers as timing_checkers
    from qa.checkers.token_pattern import TokenPatternChecker

    return [PhraseChecker, RequiredChecker, RegexChecker, TokenPatternChecker, ComplaintTypeChecker,
            SimilarChecker, *timing_checkers()]


@hookimpl
def qa_embedders():
    from qa.text.embeddings import NgramBackend, UseBackend

    return [NgramBackend(), UseBackend()]


@hookimpl
def qa_readers():
    from qa.readers.asr import TranscribeReader, WhisperReader
    from qa.readers.chatlog import ChatLogReader
    from qa.readers.datasets import AbcdReader, EcdReader, HarperValleyReader, JddcDevReader, SereTODReader
    from qa.readers.delimited import DelimitedReader
    from qa.readers.jsonl import JsonlReader
    from qa.readers.rttm import RttmReader
    from qa.readers.subtitles import SrtReader, VttReader

    return [
        JsonlReader(),
        DelimitedReader("csv", ",", (".csv",), "comma-separated rows, one turn per row (--mapping FILE)"),
        DelimitedReader("tsv", "\t", (".tsv", ".tab"), "tab-separated rows, one turn per row (--mapping FILE)"),
        ChatLogReader(), VttReader(), SrtReader(), WhisperReader(), TranscribeReader(),
        HarperValleyReader(), SereTODReader(), AbcdReader(), EcdReader(), JddcDevReader(), RttmReader(),
    ]


@hookimpl
def qa_reporters():
    from qa.reporters.basic import JsonlReporter
    from qa.reporters.html import HtmlReporter
    from qa.reporters.junit import JunitReporter
    from qa.reporters.scorecard_formats import CsvReporter, JsonReporter, TableReporter
    from qa.reporters.xlsx import XlsxReporter

    return [JsonlReporter(), JsonReporter(), CsvReporter(), TableReporter(), XlsxReporter(), JunitReporter(),
            HtmlReporter()]


@hookimpl
def qa_rubric_paths():
    return [RUBRICS_DIR] if RUBRICS_DIR.is_dir() else []

"""The builtin plugin: qa's own checkers, readers, reporters and rubrics, registered through the
same hooks as any third-party plugin. Imports happen inside the hooks so ``qa --help`` stays fast."""

from __future__ import annotations

from pathlib import Path

from qa.plugins.hookspecs import hookimpl

RUBRICS_DIR = Path(__file__).resolve().parents[1] / "rubrics"


@hookimpl
def qa_checkers():
    from qa.rules.checkers.chase import ChaseChecker
    from qa.rules.checkers.complaint import ComplaintTypeChecker
    from qa.rules.checkers.complaint_message import ComplaintMessageChecker
    from qa.rules.checkers.phrase import PhraseChecker
    from qa.rules.checkers.regex import RegexChecker
    from qa.rules.checkers.required import RequiredChecker
    from qa.rules.checkers.similar import SimilarChecker
    from qa.rules.checkers.timing import checkers as timing_checkers
    from qa.rules.checkers.token_pattern import TokenPatternChecker

    return [PhraseChecker, RequiredChecker, RegexChecker, TokenPatternChecker, ComplaintTypeChecker,
            ComplaintMessageChecker, ChaseChecker, SimilarChecker, *timing_checkers()]


@hookimpl
def qa_embedders():
    from qa.rules.text.embeddings import NgramBackend, UseBackend

    return [NgramBackend(), UseBackend()]


@hookimpl
def qa_readers():
    from qa.ingest.asr import TranscribeReader, WhisperReader
    from qa.ingest.chatlog import ChatLogReader
    from qa.ingest.datasets import AbcdReader, EcdReader, HarperValleyReader, JddcDevReader, SereTODReader
    from qa.ingest.delimited import DelimitedReader
    from qa.ingest.jsonl import JsonlReader
    from qa.ingest.rttm import RttmReader
    from qa.ingest.subtitles import SrtReader, VttReader

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

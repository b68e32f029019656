"""``qa demo``: the whole flow on the bundled corpora, in a folder of its own.

score (zh chats with timestamps, en calls) → history db (two rubric versions, compared) → scorecard
(table, csv, xlsx) → HTML report. Every step calls the same library functions as the commands.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import ConfigError, QAError
from qa.io import atomic_output
from qa.plugins.registry import Registry
from qa.reporters.html_report import load_transcripts, render_report
from qa.reporters.scorecard_formats import CsvReporter
from qa.reporters.xlsx import write_workbook
from qa.results.history import compare_runs
from qa.results.reviews import apply_reviews
from qa.results.scorecard import aggregate, policy_from_dict
from qa.rules.rubric.loader import find_rubric, load_rubric
from qa.run.executors import SerialExecutor
from qa.run.job import Job
from qa.run.runner import RunSummary, score_stream
from qa.store import Store, fingerprint_files

# qa/corpora is a symlink to the repository's corpora/ in a checkout and a copy inside a built wheel.
REPO_CORPORA = Path(__file__).resolve().parent / "corpora"

# (corpus folder, language, the shipped rubric it is scored with — which composes timing and complaints)
CORPORA = (
    ("zh-chat-timed", "zh", ("zh-customer-service",)),
    ("harper-valley-bank", "en", ("en-customer-service",)),
)
# the demo's "rubric edit": the older version lacks this rule, so `history compare` has something to name
EDITED_RULE = {"zh": "courtesy.closing", "en": "courtesy.closing"}


@dataclass
class DemoResult:
    workdir: Path
    report: Path
    db: Path
    scorecard_csv: Path
    scorecard_xlsx: Path
    results: list[Path] = field(default_factory=list)
    runs: list[tuple[str, int, int]] = field(default_factory=list)   # (label, run id, conversations)
    compares: list[tuple[str, int, int, int]] = field(default_factory=list)  # (lang, run a, run b, changed)
    skipped: list[str] = field(default_factory=list)


def find_corpora(root: str | os.PathLike | None = None) -> Path:
    path = Path(root) if root else Path(os.environ.get("QA_CORPORA", REPO_CORPORA))
    if not path.is_dir() or not any((path / name).is_dir() for name, _, _ in CORPORA):
        raise ConfigError(f"the sample corpora are not here: {path}",
                          hint="run `qa demo` from a source checkout (corpora/ beside qa/), or pass --corpora DIR "
                               f"holding {' or '.join(n for n, _, _ in CORPORA)}")
    return path


def _inputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".jsonl", ".json") and p.is_file())


def _rubric_file(workdir: Path, lang: str, parts: tuple[str, ...], without: str | None, version: str,
                 search_paths: list[Path]) -> Path | None:
    have = []
    for p in parts:
        try:
            find_rubric(p, search_paths)
            have.append(p)
        except QAError:
            continue
    if not have:
        return None
    path = workdir / f"demo-{lang}-{version}.yaml"
    lines = [f"id: demo-{lang}", f"version: {version}", f"language: {lang}",
             f"title: qa demo ({', '.join(have)})", f"extends: [{', '.join(have)}]"]
    if without:
        lines.append(f"disable: [{without}]")
    lines.append("rules: []")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_demo(workdir: str | os.PathLike, corpora: str | os.PathLike | None = None,
             echo: Callable[[str], None] = lambda s: None, *, registry: Registry) -> DemoResult:
    """Run the demo flow in ``workdir`` with the checkers, readers and rubrics of ``registry``."""

    search_paths = registry.rubric_search_paths()
    load = functools.partial(load_rubric, checkers=registry.checkers, search_paths=search_paths)
    root = find_corpora(corpora)
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    out = DemoResult(work, work / "report.html", work / "qa.db", work / "scorecard.csv", work / "scorecard.xlsx")
    all_results: list[dict] = []
    inputs_all: list[str] = []
    policy = None
    with Store(str(out.db)) as st:
        for folder, lang, parts in CORPORA:
            files = _inputs(root / folder) if (root / folder).is_dir() else []
            if not files:
                out.skipped.append(f"{folder}: not found in {root}")
                continue
            new = _rubric_file(work, lang, parts, None, "1.1.0", search_paths)
            old = _rubric_file(work, lang, parts, EDITED_RULE[lang], "1.0.0", search_paths)
            if new is None:
                out.skipped.append(f"{folder}: none of the rubrics {', '.join(parts)} is installed")
                continue
            fp = fingerprint_files([str(f) for f in files])
            run_ids = []
            for version, path in (("1.0.0", old), ("1.1.0", new)):
                rubric = load(path)
                summary = RunSummary()
                job = Job(rubric, registry.checkers, registry.readers, embedders=registry.embedders)
                results = list(score_stream([str(f) for f in files], job, SerialExecutor(), registry=registry,
                                            summary=summary))
                res_path = work / f"results-{lang}-{version}.jsonl"
                with atomic_output(str(res_path)) as fh:
                    for r in results:
                        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                out.results.append(res_path)
                info = st.record_run(results, input_fingerprint=fp, source=f"{folder} ({version})")
                run_ids.append(info.id)
                out.runs.append((f"{folder} rubric {rubric.id} {version}", info.id, info.conversations))
                echo(f"scored {folder} with {rubric.id} {version}: {summary.scored} conversation(s), "
                     f"{summary.passed} passed, mean {summary.mean_score or 0:.1f} → run {info.id}")
                if version == "1.1.0":
                    all_results.extend(results)
                    policy = policy or policy_from_dict(rubric.scorecard, rubric.path)
            cmp = compare_runs(st, run_ids[0], run_ids[1])
            out.compares.append((lang, run_ids[0], run_ids[1], len(cmp["changed"])))
            echo(f"history compare {run_ids[0]} {run_ids[1]} (adding {EDITED_RULE[lang]}): "
                 f"{len(cmp['changed'])} conversation(s) changed")
            inputs_all.extend(str(f) for f in files)
        if not all_results:
            raise ConfigError(f"no sample conversations could be scored from {root}",
                              hint="; ".join(out.skipped) or None)
        reviewed = list(apply_reviews(st.results(), st.reviews(), load_rubric=load))
    sc = aggregate(reviewed, by="agent", period="month", policy=policy)
    with atomic_output(str(out.scorecard_csv), "w", newline="") as fh:
        CsvReporter().write_scorecard(sc, fh, {})
    with atomic_output(str(out.scorecard_xlsx), "wb") as fh:
        write_workbook(sc.to_dict(), reviewed, fh)
    convs = load_transcripts(reviewed, inputs_all, readers=registry.readers)
    with atomic_output(str(out.report), "w") as fh:
        fh.write(render_report(reviewed, convs, policy=policy, title="qa demo"))
    return out

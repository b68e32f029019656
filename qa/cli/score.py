"""``qa score``: score conversations against a rubric."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from qa.cli.options import (
    input_options,
    read_options_from,
    registry_of,
    resolve_rubric,
    rubric_option,
    select_options,
)
from qa.errors import EXIT_GATE_FAILED, EXIT_REJECTED
from qa.model import SEVERITIES


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@rubric_option
@input_options
@select_options
@click.option("--output-format", "-f", "output_format", default=None,
              help="table (default on a terminal), jsonl (default otherwise), json, csv, or a plugin's format.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write results here (atomically).")
@click.option("--fail-under", type=float, default=None, help="Exit 1 if the mean score is below this.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 if any finding has this severity or worse.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores; inputs under 2 MB run in one process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster (tcp://HOST:PORT); -o names a directory for part-NNNNN.jsonl files.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted `-o FILE` JSONL run after its last checkpoint (a fresh run if none).")
@click.option("--redact", is_flag=True, help="Replace phone numbers, ID and bank-card numbers, e-mails in evidence "
                                             "and rejects by [PHONE] [ID] [CARD] [EMAIL].")
@click.option("--db", default=None, type=click.Path(dir_okay=False),
              help="Also store the run in this history database (SQLite; see `qa history`).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
@click.pass_context
def score(ctx, sources, rubric_name, input_format, mapping, encoding, rejects, strict, select, ignore, output_format,
          output, fail_under, fail_on, jobs, scheduler, resume, redact, db, quiet):
    """Score SOURCES (files in any format `qa ingest` reads) against a rubric.

    \b
    Examples:
      qa score chats.jsonl --rubric zh-customer-service
      qa score calls/*.json -r en-customer-service -f jsonl -o results.jsonl --fail-under 80
      qa score day.jsonl -r zh-customer-service -o day.scores.jsonl --resume   # after a crash
      qa score 'shared/day/*.jsonl' -r zh-customer-service --scheduler tcp://10.0.0.5:8786 -o shared/out/
      qa score day.jsonl -r zh-customer-service -o day.scores.jsonl --db qa.db   # keep history
    Writing JSONL to a file (-o) checkpoints as it goes: rerun with --resume after a crash or kill.
    Exit codes: 0 ok, 1 quality gate failed, 2 usage or configuration error, 3 rejects under --strict,
    130 interrupted (Ctrl-C).
    """
    from qa.errors import ConfigError
    from qa.ingest.rejects import RejectsWriter
    from qa.io import atomic_output
    from qa.reporters import get_reporter
    from qa.run.runner import Interrupted, RejectTally, RunSummary, score_stream, score_to_file

    cfg = ctx.obj.get("config", {})
    rubric = resolve_rubric(ctx, rubric_name)
    fmt, ropts = read_options_from(ctx, input_format, mapping, encoding)
    out_fmt = output_format or cfg.get("format") or ("table" if output is None and sys.stdout.isatty() else "jsonl")
    registry = registry_of(ctx)
    reporter = get_reporter(out_fmt, registry.reporters)
    fail_under = fail_under if fail_under is not None else cfg.get("fail-under")
    fail_on = fail_on or cfg.get("fail-on")
    select = tuple(select) or tuple(cfg.get("select", ()))
    ignore = tuple(ignore) or tuple(cfg.get("ignore", ()))
    scheduler = scheduler or cfg.get("scheduler")
    db = db or cfg.get("db")
    history = _HistoryTee(db) if db else None
    jobs = jobs or cfg.get("jobs") or _default_jobs(sources)
    summary = RunSummary()
    rej = RejectTally()
    resumable = output not in (None, "-") and out_fmt == "jsonl" and not scheduler
    if resume and not resumable:
        raise ConfigError("--resume needs JSONL results written to a file", hint="pass -o FILE (and -f jsonl)")
    try:
        if scheduler:
            from qa.run.executors import dask_score

            if not output or output == "-":
                raise ConfigError("--scheduler needs -o DIRECTORY for the partitioned output")
            parts = dask_score(sources, rubric, output, registry=registry, scheduler=scheduler, fmt=fmt,
                               read_options=ropts,
                               select=select, ignore=ignore, summary=summary, redact=redact)
            rej.count = summary.read.rejected
            rej.examples = [p for part in parts for p in part["rejects"]][:rej.keep]
            if history:
                history.files = sorted(str(p) for p in Path(output).glob("part-*.jsonl")
                                       if not p.name.endswith(".rejects.jsonl"))
        elif resumable:
            skipped = score_to_file(sources, rubric, output, registry=registry, rejects=rejects, fmt=fmt,
                                    read_options=ropts,
                                    summary=summary, reject_tally=rej, select=select, ignore=ignore, jobs=jobs,
                                    resume=resume, redact=redact)
            if skipped and not quiet:
                click.echo(f"resumed after {skipped:,} record(s) already scored", err=True)
            if history:
                history.files = [output]
        else:
            with RejectsWriter(rejects) as writer:
                rej = writer
                results = score_stream(sources, rubric, registry=registry, fmt=fmt, read_options=ropts,
                                       summary=summary,
                                       on_reject=writer, select=select, ignore=ignore, jobs=jobs, redact=redact)
                if history:
                    results = history.tee(results)
                mode = "wb" if reporter.binary else "w"
                with atomic_output(output, mode) as out:
                    reporter.write_results(results, out, {"rubric_label": f"{rubric.id} {rubric.version}",
                                                          "readers": registry.readers})
    except (KeyboardInterrupt, Interrupted) as exc:
        if not quiet:
            _print_summary(summary, rej, rejects)
        if isinstance(exc, Interrupted):
            raise
        raise Interrupted("interrupted; no output was written", path=output) from None
    if not quiet:
        _print_summary(summary, rej, rejects)
    if history:
        info = history.store(sources)
        if not quiet:
            verb = "stored" if info.created else "replaced (same input and rubric)"
            click.echo(f"history: run {info.id} {verb} in {db}", err=True)
    reasons = summary.gate(fail_under, fail_on)
    for r in reasons:
        click.echo(f"quality gate failed: {r}", err=True)
    if strict and summary.read.rejected:
        ctx.exit(EXIT_REJECTED)
    if reasons or summary.errors:
        ctx.exit(EXIT_GATE_FAILED)


class _HistoryTee:
    """Keeps a run's results for the history store: the JSONL output file itself when there is one,
    otherwise a temporary copy written while the results stream past."""

    def __init__(self, db: str):
        self.db = db
        self.files: list[str] = []
        self._tmp: str | None = None

    def tee(self, results):
        import json
        import tempfile

        fd, self._tmp = tempfile.mkstemp(prefix=".qa-history-", suffix=".jsonl",
                                         dir=os.path.dirname(os.path.abspath(self.db)) or ".")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                yield r
        self.files = [self._tmp]

    def store(self, sources):
        from qa.results.files import read_results
        from qa.store import fingerprint_files, record_run

        files = [p for p in sources if os.path.isfile(p)]
        try:
            return record_run(self.db, read_results(self.files),
                              input_fingerprint=fingerprint_files(files) if files else None,
                              source=", ".join(os.path.basename(p) for p in sources))
        finally:
            if self._tmp:
                with contextlib.suppress(OSError):
                    os.unlink(self._tmp)


def _print_summary(s, rej, rejects) -> None:
    click.echo(f"read {s.read.read} record(s): {s.read.accepted} accepted, {s.read.rejected} rejected; "
               f"scored {s.scored}: {s.passed} passed, {s.failed} failed ({s.fatal} fatal)"
               + (f", mean {s.mean_score:.1f}" if s.mean_score is not None else "")
               + (f"; {s.errors} with checker errors" if s.errors else ""), err=True)
    for example in rej.examples[:5]:
        click.echo(f"  rejected {example}", err=True)
    if rej.count > 5:
        click.echo(f"  … {rej.count - 5} more" + (f" in {rejects}" if rejects else " (use --rejects FILE)"), err=True)


def _default_jobs(sources) -> int:
    """All cores for real work; one process when the inputs are small (a pool would only add start-up)."""
    from qa.run.executors import default_jobs

    try:
        size = sum(os.path.getsize(p) for p in sources)
    except OSError:
        return 1
    return default_jobs() if size >= 2 * 1024 * 1024 else 1

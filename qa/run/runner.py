"""A scoring run end to end — read → score → write → history → gate — as ``qa score`` does it.

:func:`run` takes a :class:`~qa.run.request.RunRequest` and returns a :class:`~qa.run.request.RunReport`.
It picks the executor (this process, a process pool, a Dask cluster), writes the results (through a
reporter, or resumably to a JSONL file with checkpoints), stores the run in the history database and
applies the quality gate. :func:`score_stream` and :func:`score_to_file` are its two ways of writing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from qa.errors import ConfigError, QAError
from qa.ingest.limits import check_compiled
from qa.ingest.rejects import RejectsWriter
from qa.io import atomic_output
from qa.model import ResultDict
from qa.plugins.registry import PluginOptions, Registry
from qa.reporters import get_reporter
from qa.rules.rubric.loader import load_rubric
from qa.rules.rubric.model import Rubric
from qa.run.checkpoint import AppendFile, Checkpoint, fingerprint, partial_path, sidecar_path
from qa.run.executors import Executor, PoolExecutor, SerialExecutor, default_jobs
from qa.run.job import Job, compiled_for, reject_line, result_line
from qa.run.outcomes import PartWritten, Rejected
from qa.run.request import RunReport, RunRequest
from qa.run.summary import RejectTally, RunSummary

SMALL_INPUT_BYTES = 2 * 1024 * 1024


class Interrupted(QAError):
    """The run was stopped with Ctrl-C (SIGINT); what was done is summarised (``report``) and, if
    resumable, checkpointed."""

    exit_code = 130
    report: RunReport | None = None


def run(request: RunRequest, *, on_scored: Callable[[RunReport], None] | None = None) -> RunReport:
    """Do what ``qa score`` does for this request and report what happened.

    ``on_scored(report)`` is called once the conversations are scored, before the run is stored in the
    history database (the CLI prints its summary there). Ctrl-C raises :class:`Interrupted` carrying
    the report so far.
    """
    registry = request.registry if request.registry is not None else Registry.build(PluginOptions.from_env())
    rubric = _rubric(request, registry)
    sources = [os.fspath(s) for s in request.sources]
    output, scheduler = request.output, request.scheduler
    output_format = request.output_format or "jsonl"
    reporter = get_reporter(output_format, registry.reporters)
    resumable = output not in (None, "-") and output_format == "jsonl" and not scheduler
    if request.resume and not resumable:
        raise ConfigError("--resume needs JSONL results written to a file", hint="pass -o FILE (and -f jsonl)")
    if scheduler and (not output or output == "-"):
        raise ConfigError("--scheduler needs -o DIRECTORY for the partitioned output")
    job = Job(rubric, registry.checkers, registry.readers, tuple(request.select), tuple(request.ignore),
              embedders=registry.embedders, fmt=request.input_format or "auto", redact=request.redact, limits=request.limits,
              read_options=request.read_options)
    history = None
    if request.db:
        from qa.run.history import HistoryCopy  # the history store (sqlite3), only with --db

        history = HistoryCopy(request.db)
    report = RunReport(strict=request.strict, rejects_path=request.rejects)
    try:
        if scheduler:
            from qa.run.dask import DaskExecutor  # only a Dask run needs it

            _score_parts(sources, job, DaskExecutor(scheduler, output), report)
            report.output_files = sorted(str(p) for p in Path(output).glob("part-*.jsonl")
                                         if not p.name.endswith(".rejects.jsonl"))
        elif resumable:
            executor = _executor(request.jobs, sources)
            report.resumed_after = score_to_file(
                sources, job, executor, output, registry=registry, rejects=request.rejects, summary=report.summary,
                reject_tally=report.rejects, resume=request.resume, hooks=request.hooks,
                commit_every=request.commit_every, commit_seconds=request.commit_seconds)
            report.output_files = [output]
        else:
            executor = _executor(request.jobs, sources)
            with RejectsWriter(request.rejects) as writer:
                report.rejects = writer
                results = score_stream(sources, job, executor, registry=registry, summary=report.summary,
                                       on_reject=writer, hooks=request.hooks)
                if history is not None:
                    results = history.tee(results)
                with atomic_output(output, "wb" if reporter.binary else "w") as out:
                    reporter.write_results(results, out, {"rubric_label": f"{rubric.id} {rubric.version}",
                                                          "readers": registry.readers})
            if output not in (None, "-"):
                report.output_files = [output]
    except Interrupted as exc:
        exc.report = report
        raise
    except KeyboardInterrupt:
        exc = Interrupted("interrupted; no output was written", path=output)
        exc.report = report
        raise exc from None
    if on_scored is not None:
        on_scored(report)
    if history is not None:
        if not history.files:
            history.files = report.output_files
        report.history = history.store(sources)
    report.gate_failures = report.summary.gate(request.fail_under, request.fail_on)
    return report


def _rubric(request: RunRequest, registry: Registry) -> Rubric:
    if isinstance(request.rubric, Rubric):
        return request.rubric
    if not request.rubric:
        raise ConfigError("no rubric given", hint="pass --rubric NAME (see `qa rubric list`) or set rubric in [tool.qa]")
    return load_rubric(request.rubric, checkers=registry.checkers, search_paths=registry.rubric_search_paths())


def _executor(jobs: int | None, sources: list[str]) -> Executor:
    jobs = jobs or _default_jobs(sources)
    return PoolExecutor(jobs) if jobs > 1 else SerialExecutor()


def _default_jobs(sources: list[str]) -> int:
    """All cores for real work; one process when the inputs are small (a pool would only add start-up)."""
    try:
        size = sum(os.path.getsize(p) for p in sources)
    except OSError:
        return 1
    return default_jobs() if size >= SMALL_INPUT_BYTES else 1


def _start(job: Job, registry: Registry, paths: list[str], hooks: bool):
    """Compile the rubric (once per process), check it against the limits, announce the run."""
    check_compiled(compiled_for(job), job.limits)
    hook = registry.hook
    if hooks:
        hook.qa_run_start(run={"rubric": job.rubric.ref(), "sources": paths,
                               "started_at": datetime.now(timezone.utc).isoformat()})
    return hook


def _score_parts(paths: list[str], job: Job, executor: Executor, report: RunReport) -> None:
    """An executor that writes the results where it scores them (Dask): only tallies come back."""
    for part in executor.outcomes(paths, replace(job, want="line"), report.summary.read):
        assert isinstance(part, PartWritten)
        report.summary.merge(part.summary, with_read=False)
        for example in part.reject_examples:
            report.rejects.add(example)
    report.rejects.count = report.summary.read.rejected


def score_stream(paths: list[str], job: Job, executor: Executor, *, registry: Registry,
                 summary: RunSummary | None = None, on_reject=None, hooks: bool = True) -> Iterator[ResultDict]:
    """Yield a result per accepted conversation in input order, tallying ``summary``; rejects go to
    ``on_reject``. Conversations over ``job.limits`` are rejected with the reason."""
    summary = summary if summary is not None else RunSummary()
    paths = [os.fspath(p) for p in paths]
    hook = _start(job, registry, paths, hooks)
    for o in executor.outcomes(paths, replace(job, want="dict"), summary.read):
        if isinstance(o, Rejected):
            if on_reject is not None:
                on_reject(o.reject)
            continue
        summary.add(o.result)
        if hooks:
            hook.qa_conversation_scored(result=o.result)
        yield o.result
    if hooks:
        hook.qa_run_end(summary=summary.to_dict())


def score_to_file(paths: list[str], job: Job, executor: Executor, output: str, *, registry: Registry,
                  rejects: str | None = None, summary: RunSummary | None = None,
                  reject_tally: RejectTally | None = None, resume: bool = False, hooks: bool = True,
                  commit_every: int | None = None, commit_seconds: float = 2.0) -> int:
    """Score into ``output`` (JSONL) resumably; returns how many input records were skipped as already done.

    Results are appended to ``output.partial`` and committed with a checkpoint (see :mod:`qa.run.checkpoint`)
    every ``commit_every`` results (default 1000, or ``$QA_CHECKPOINT_EVERY``) or ``commit_seconds``;
    when the run completes the partial file becomes ``output``. After a crash or SIGKILL, the same call
    with ``resume=True`` continues after the last commit: every conversation ends up in ``output``
    exactly once. Ctrl-C commits what is done and raises :class:`Interrupted`.
    """
    commit_every = commit_every or int(os.environ.get("QA_CHECKPOINT_EVERY") or 1000)
    summary = summary if summary is not None else RunSummary()
    tally = reject_tally if reject_tally is not None else RejectTally()
    paths = [os.fspath(p) for p in paths]
    for target in (output, rejects):
        if target and not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            raise QAError("output directory does not exist", path=target)
    identity = {"rubric": job.rubric.hash, "selection": [list(job.select), list(job.ignore)],
                "inputs": fingerprint(paths), "format": job.fmt, "redact": job.redact}
    if resume and not os.path.exists(sidecar_path(output)):
        resume = False  # nothing was interrupted: a plain run (so a nightly job may always pass --resume)
    elif resume and not os.path.exists(partial_path(output)) and os.path.exists(output):
        Checkpoint(output, rejects, identity).discard()  # killed between the final rename and the clean-up
        resume = False
    if resume:
        cp = Checkpoint.load(output, rejects, identity)
        summary.merge(RunSummary.from_state(cp.tallies), with_read=False)
        tally.count = cp.tallies.get("rejects", 0)
    else:
        cp = Checkpoint(output, rejects, identity)
    skip = cp.records
    hook = _start(job, registry, paths, hooks)
    out = AppendFile(partial_path(output), cp.out_bytes if resume else None)
    rej = AppendFile(partial_path(rejects), cp.rejects_bytes if resume else None) if rejects else None
    cp.save()
    # Results as JSONL lines straight from the workers, unless a plugin wants every result dict.
    want = "dict" if hooks and hook.qa_conversation_scored.get_hookimpls() else "line"

    def commit(records: int, rejects_bytes: int, out_bytes: int) -> None:
        out.sync()
        if rej is not None:
            rej.sync()
        cp.records, cp.rejects_bytes, cp.out_bytes = records, rejects_bytes, out_bytes
        cp.tallies = {**summary.to_state(), "rejects": tally.count}
        cp.commits += 1
        cp.save()

    # The last consistent point: (records fully handled, rejects bytes, output bytes). It is replaced in
    # one assignment after each record is written, so Ctrl-C at any moment commits a true state.
    state = (skip, cp.rejects_bytes, cp.out_bytes)
    since = 0
    t_commit = time.monotonic()
    results = executor.outcomes(paths, replace(job, want=want), summary.read, skip=skip)
    try:
        try:
            for o in results:
                if isinstance(o, Rejected):
                    tally.add(o.reject)
                    if rej is not None:
                        rej.write(reject_line(o.reject))
                elif want == "line":
                    out.write(o.line)
                    summary.add_tally(o.tally)
                    since += 1
                else:
                    out.write(result_line(o.result))
                    summary.add(o.result)
                    if hooks:
                        hook.qa_conversation_scored(result=o.result)
                    since += 1
                state = (o.record, rej.bytes if rej is not None else 0, out.bytes)
                if since >= commit_every or time.monotonic() - t_commit >= commit_seconds:
                    commit(*state)
                    since = 0
                    t_commit = time.monotonic()
            commit(summary.read.read, rej.bytes if rej is not None else 0, out.bytes)
        except KeyboardInterrupt:
            _close(results)
            commit(*state)
            raise Interrupted(f"interrupted after {state[0]:,} input record(s); the results so far are "
                              f"checkpointed", path=output,
                              hint="run the same command with --resume to finish") from None
        except OSError as exc:
            # Disk full or a vanished directory: nothing half-written is left behind.
            _close(results)
            for fh in (out, rej):
                if fh is not None:
                    with contextlib.suppress(OSError):
                        fh.close()
            for p in (partial_path(output), partial_path(rejects) if rejects else None):
                if p:
                    with contextlib.suppress(OSError):
                        os.unlink(p)
            cp.discard()
            raise QAError(f"writing failed: {exc.strerror or exc}", path=output) from None
    finally:
        _close(results)
        for fh in (out, rej):
            if fh is not None:
                with contextlib.suppress(OSError):
                    fh.close()
    if rejects:
        os.replace(partial_path(rejects), rejects)
    os.replace(partial_path(output), output)
    cp.discard()
    if hooks:
        hook.qa_run_end(summary=summary.to_dict())
    return skip


def _close(gen) -> None:
    close = getattr(gen, "close", None)
    if close is not None:
        close()

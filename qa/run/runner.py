"""A scoring run end to end: read → score → report, with counts that add up and the quality gate.

This is what ``qa score`` calls; it is importable so a nightly script can do the same in Python.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from qa.errors import QAError
from qa.ingest import ReadOptions, ReadStats
from qa.ingest.limits import DEFAULT as DEFAULT_LIMITS
from qa.ingest.limits import Limits, check_compiled
from qa.model import SEVERITIES, Reject
from qa.rules.rubric.model import Rubric


@dataclass
class RunSummary:
    read: ReadStats = field(default_factory=ReadStats)
    scored: int = 0
    passed: int = 0
    fatal: int = 0
    errors: int = 0
    score_total: float = 0.0
    findings_by_severity: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.scored - self.passed

    @property
    def mean_score(self) -> float | None:
        return self.score_total / self.scored if self.scored else None

    def add(self, result: dict[str, Any]) -> None:
        self.scored += 1
        self.passed += bool(result["passed"])
        self.fatal += bool(result["fatal"])
        self.errors += bool(result.get("errors"))
        self.score_total += result["score"]
        for f in result["findings"]:
            sev = f["severity"]
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + 1

    def add_tally(self, tally: tuple) -> None:
        """Count a result from its tally (``qa.run.executors.tally_of``) without the whole result."""
        passed, fatal, errors, score, severities = tally
        self.scored += 1
        self.passed += passed
        self.fatal += fatal
        self.errors += errors
        self.score_total += score
        for sev in severities:
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + 1

    def state(self) -> dict[str, Any]:
        """Everything this summary tallies, as plain data (for checkpoints and Dask results)."""
        return {"read": self.read.to_dict(), "scored": self.scored, "passed": self.passed, "fatal": self.fatal,
                "errors": self.errors, "score_total": self.score_total,
                "findings_by_severity": dict(self.findings_by_severity)}

    def merge(self, state: dict[str, Any], with_read: bool = True) -> None:
        """Add the tallies of another summary's :meth:`state` into this one."""
        self.scored += state["scored"]
        self.passed += state["passed"]
        self.fatal += state["fatal"]
        self.errors += state["errors"]
        self.score_total += state["score_total"]
        for sev, n in state["findings_by_severity"].items():
            self.findings_by_severity[sev] = self.findings_by_severity.get(sev, 0) + n
        if with_read:
            self.read.merge(state["read"])

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read.read, "accepted": self.read.accepted, "rejected": self.read.rejected,
                "scored": self.scored, "passed": self.passed, "failed": self.failed, "fatal": self.fatal,
                "errors": self.errors, "mean_score": round(self.mean_score, 2) if self.mean_score is not None else None,
                "findings_by_severity": self.findings_by_severity}

    def gate(self, fail_under: float | None, fail_on: str | None) -> list[str]:
        """Reasons the quality gate fails (empty = passes)."""
        reasons = []
        if fail_under is not None and self.mean_score is not None and self.mean_score < fail_under:
            reasons.append(f"mean score {self.mean_score:.2f} is under --fail-under {fail_under:g}")
        if fail_on:
            worst = SEVERITIES.index(fail_on)
            hits = sum(n for sev, n in self.findings_by_severity.items() if SEVERITIES.index(sev) >= worst)
            if hits:
                reasons.append(f"{hits} finding(s) of severity {fail_on} or worse (--fail-on {fail_on})")
        return reasons


class Interrupted(QAError):
    """The run was stopped with Ctrl-C (SIGINT); what was done is summarised and, if resumable, checkpointed."""

    exit_code = 130


def _start(rubric: Rubric, registry, paths: list[str], select, ignore, hooks: bool,
           limits: Limits = DEFAULT_LIMITS):
    from qa.engine import compile_rubric

    compiled = compile_rubric(rubric, registry.checkers, select=select, ignore=ignore)
    check_compiled(compiled, limits)
    hook = registry.hook
    if hooks:
        hook.qa_run_start(run={"rubric": rubric.ref(), "sources": paths,
                               "started_at": datetime.now(timezone.utc).isoformat()})
    return compiled, hook


def score_stream(paths: Iterable[str], rubric: Rubric, *, registry, fmt: str = "auto", read_options: ReadOptions | None = None,
                 summary: RunSummary | None = None, on_reject=None, select=(), ignore=(), jobs: int = 1,
                 hooks: bool = True, redact: bool = False, limits: Limits = DEFAULT_LIMITS
                 ) -> Iterator[dict[str, Any]]:
    """Yield a result per accepted conversation in input order, tallying ``summary``.

    ``jobs > 1`` scores in a process pool (same results, same order). ``redact`` removes personal data
    from evidence, messages and rejects. Conversations over ``limits`` are rejected with the reason.
    """
    from qa.run.executors import Job, outcomes

    summary = summary if summary is not None else RunSummary()
    paths = [os.fspath(p) for p in paths]
    compiled, hook = _start(rubric, registry, paths, select, ignore, hooks, limits)
    job = Job(rubric, registry.checkers, registry.readers, tuple(select), tuple(ignore), "dict", redact, limits,
              read_options or ReadOptions())
    for _, o in outcomes(paths, job, compiled, fmt=fmt, stats=summary.read, jobs=jobs or 1):
        if o[0] == "r":
            if on_reject is not None:
                on_reject(o[1])
            continue
        result = o[3]
        summary.add(result)
        if hooks:
            hook.qa_conversation_scored(result=result)
        yield result
    if hooks:
        hook.qa_run_end(summary=summary.to_dict())


def result_line(result: dict[str, Any]) -> str:
    """A result as one JSONL line, exactly as the jsonl reporter writes it."""
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n"


def reject_line(rej: Reject) -> str:
    return json.dumps(rej.to_dict(), ensure_ascii=False) + "\n"


@dataclass
class RejectTally:
    """Rejects seen by a resumable run: the count and the first few, for the summary."""

    count: int = 0
    examples: list = field(default_factory=list)
    keep: int = 20

    def add(self, rej: Reject) -> None:
        self.count += 1
        if len(self.examples) < self.keep:
            self.examples.append(rej)


def score_to_file(paths: Iterable[str], rubric: Rubric, output: str, *, registry, rejects: str | None = None,
                  fmt: str = "auto", read_options: ReadOptions | None = None, summary: RunSummary | None = None,
                  reject_tally: RejectTally | None = None, select=(), ignore=(), jobs: int = 1, resume: bool = False,
                  redact: bool = False, hooks: bool = True, limits: Limits = DEFAULT_LIMITS,
                  commit_every: int | None = None, commit_seconds: float = 2.0, chunk_size: int | None = None) -> int:
    """Score into ``output`` (JSONL) resumably; returns how many input records were skipped as already done.

    Results are appended to ``output.partial`` and committed with a checkpoint (see :mod:`qa.run.checkpoint`)
    every ``commit_every`` results (default 1000, or ``$QA_CHECKPOINT_EVERY``) or ``commit_seconds``;
    when the run completes the partial file becomes ``output``. After a crash or SIGKILL, the same call with ``resume=True`` continues after
    the last commit: every conversation ends up in ``output`` exactly once. Ctrl-C commits what is
    done and raises :class:`Interrupted`.
    """
    from qa.run.checkpoint import AppendFile, Checkpoint, fingerprint, partial_path, sidecar_path

    commit_every = commit_every or int(os.environ.get("QA_CHECKPOINT_EVERY") or 1000)
    summary = summary if summary is not None else RunSummary()
    tally = reject_tally if reject_tally is not None else RejectTally()
    paths = [os.fspath(p) for p in paths]
    for target in (output, rejects):
        if target and not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            raise QAError("output directory does not exist", path=target)
    identity = {"rubric": rubric.hash, "selection": [list(select), list(ignore)], "inputs": fingerprint(paths),
                "format": fmt, "redact": redact}
    if resume and not os.path.exists(sidecar_path(output)):
        resume = False  # nothing was interrupted: a plain run (so a nightly job may always pass --resume)
    elif resume and not os.path.exists(partial_path(output)) and os.path.exists(output):
        Checkpoint(output, rejects, identity).discard()  # killed between the final rename and the clean-up
        resume = False
    if resume:
        cp = Checkpoint.load(output, rejects, identity)
        summary.merge(cp.tallies, with_read=False)
        tally.count = cp.tallies.get("rejects", 0)
    else:
        cp = Checkpoint(output, rejects, identity)
    skip = cp.records
    from qa.run.executors import Job, outcomes

    compiled, hook = _start(rubric, registry, paths, select, ignore, hooks, limits)
    out = AppendFile(partial_path(output), cp.out_bytes if resume else None)
    rej = AppendFile(partial_path(rejects), cp.rejects_bytes if resume else None) if rejects else None
    cp.save()
    # Results as JSONL lines straight from the workers, unless a plugin wants every result dict.
    want = "dict" if hooks and hook.qa_conversation_scored.get_hookimpls() else "line"
    job = Job(rubric, registry.checkers, registry.readers, tuple(select), tuple(ignore), want, redact, limits,
              read_options or ReadOptions())

    def commit(records: int, rejects_bytes: int, out_bytes: int) -> None:
        out.sync()
        if rej is not None:
            rej.sync()
        cp.records, cp.rejects_bytes, cp.out_bytes = records, rejects_bytes, out_bytes
        cp.tallies = {**summary.state(), "rejects": tally.count}
        cp.commits += 1
        cp.save()

    # The last consistent point: (records fully handled, rejects bytes, output bytes). It is replaced in
    # one assignment after each record is written, so Ctrl-C at any moment commits a true state.
    state = (skip, cp.rejects_bytes, cp.out_bytes)
    since = 0
    t_commit = time.monotonic()
    results = outcomes(paths, job, compiled, fmt=fmt, stats=summary.read, jobs=jobs or 1, skip=skip,
                       **({"chunk_size": chunk_size} if chunk_size else {}))
    try:
        try:
            for n, o in results:
                if o[0] == "r":
                    tally.add(o[1])
                    if rej is not None:
                        rej.write(reject_line(o[1]))
                else:
                    if want == "line":
                        line, counts = o[3]
                        out.write(line)
                        summary.add_tally(counts)
                    else:
                        out.write(result_line(o[3]))
                        summary.add(o[3])
                        if hooks:
                            hook.qa_conversation_scored(result=o[3])
                    since += 1
                state = (n, rej.bytes if rej is not None else 0, out.bytes)
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

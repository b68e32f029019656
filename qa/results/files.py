"""Reading score results back: the JSONL (or JSON array) that ``qa score`` writes, or the history db.

Shared by ``qa scorecard``, ``qa report``, ``qa history import`` and ``qa calibrate``. A line that is
not a result is an :class:`~qa.errors.InputError` naming file and line.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator

from qa.errors import ConfigError, InputError, QAError
from qa.model import ResultDict
from qa.results.reviews import apply_reviews
from qa.results.scorecard import Policy, policy_from_dict
from qa.rules.rubric.model import Rubric
from qa.store import Store

REQUIRED = ("conversation_id", "score", "passed")


def _check(obj, path: str, line: int | None) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"expected a score result object, got {type(obj).__name__}", path=path, line=line)
    for k in REQUIRED:
        if k not in obj:
            raise InputError(f"not a score result: missing {k!r}", path=path, line=line, field=k,
                             hint="pass the output of `qa score -f jsonl`, not the conversations")
    if not isinstance(obj["score"], int | float) or isinstance(obj["score"], bool):
        raise InputError(f"score must be a number, got {obj['score']!r}", path=path, line=line, field="score")
    findings = obj.get("findings", [])
    if not isinstance(findings, list):
        raise InputError("findings must be a list", path=path, line=line, field="findings")
    for k, f in enumerate(findings):
        if not isinstance(f, dict) or not isinstance(f.get("rule"), str):
            raise InputError("each finding must be an object with a rule id", path=path, line=line,
                             field=f"findings[{k}]")
    for key in ("labels", "metrics", "metadata", "rubric"):
        if obj.get(key) is not None and not isinstance(obj[key], dict):
            raise InputError(f"{key} must be an object, got {type(obj[key]).__name__}", path=path, line=line,
                             field=key)
    return obj


def read_results(paths: Iterable[str] | str) -> Iterator[ResultDict]:
    """Yield result dicts from JSONL or JSON-array files (``-`` is standard input), streaming JSONL."""

    if isinstance(paths, str | os.PathLike):
        paths = [os.fspath(paths)]
    for path in paths:
        if path == "-":
            fh = sys.stdin
        else:
            try:
                fh = open(path, encoding="utf-8-sig")
            except OSError as exc:
                raise InputError(f"cannot read results: {exc.strerror}", path=path) from None
        with fh if path != "-" else _nullctx(fh):
            first = ""
            while not first:
                pos_line = fh.readline()
                if not pos_line:
                    break
                first = pos_line.strip()
            if not first:
                continue
            if first.startswith("["):
                text = first + fh.read()
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
                for k, obj in enumerate(data if isinstance(data, list) else [data]):
                    yield _check(obj, path, None if k else 1)
                continue
            lineno = 0
            for lineno, raw in enumerate([first], 1):
                yield _parse_line(raw, path, lineno)
            for raw in fh:
                lineno += 1
                if raw.strip():
                    yield _parse_line(raw, path, lineno)


class _nullctx:
    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self.fh

    def __exit__(self, *exc):
        return False


def _parse_line(raw: str, path: str, lineno: int) -> dict:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at column {exc.colno}: {exc.msg}", path=path, line=lineno) from None
    return _check(obj, path, lineno)


def results_from(paths: Iterable[str], db: str | None, run=None, *,
                 load_rubric: Callable[[str], Rubric] | None = None) -> Iterator[ResultDict]:
    """Results from files, or from the history db (latest per conversation, or one run) with reviews applied
    (``load_rubric`` finds the rubric to rescore a result whose findings a review dropped)."""
    paths = list(paths or ())
    if paths and db:
        raise ConfigError("give RESULTS files or --db, not both")
    if not paths and not db:
        raise ConfigError("no results given", hint="pass RESULTS.jsonl (from `qa score -f jsonl`) or --db qa.db")
    if paths:
        if run is not None:
            raise ConfigError("--run needs --db")
        yield from read_results(paths)
        return

    with Store(db) as st:
        yield from apply_reviews(st.results(run), st.reviews(), load_rubric=load_rubric)


def load_policy(rubric_name: str | None, first_result: dict | None, load_rubric: Callable[[str], Rubric]):
    """The scorecard policy: from ``--rubric``, else from the results' rubric when ``load_rubric`` finds it,
    else defaults."""

    if rubric_name:
        rb = load_rubric(rubric_name)
        return policy_from_dict(rb.scorecard, rb.path)
    rid = ((first_result or {}).get("rubric") or {}).get("id")
    if rid:
        try:
            rb = load_rubric(rid)
        except QAError:
            return Policy()
        return policy_from_dict(rb.scorecard, rb.path)
    return Policy()


def peek(it: Iterator[dict]) -> tuple[dict | None, Iterator[dict]]:
    """The first item and an iterator that still yields it."""

    it = iter(it)
    try:
        first = next(it)
    except StopIteration:
        return None, iter(())
    return first, itertools.chain([first], it)

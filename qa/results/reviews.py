"""Apply a QA lead's reviews to score results before they are aggregated or reported.

A review marks one finding (by :func:`qa.store.finding_key`) ``wrong`` or ``right``, or sets a manual
score for a conversation. The latest review of a finding wins. Findings marked wrong leave the result
(kept under ``overridden_findings``) and the score is recomputed with the rubric when the result's
rubric hash matches; a manual score then replaces the score and decides pass/fail against the
rubric's pass mark.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qa.engine.scoring import score_findings
from qa.errors import QAError
from qa.model import Finding, FindingDict, ResultDict
from qa.store import finding_key


class ReviewedResultDict(ResultDict, total=False):
    """A result with a QA lead's reviews applied: its findings may carry ``review``."""

    reviews: list[dict[str, Any]]              # the reviews of this conversation, oldest first
    overridden_findings: list[FindingDict]     # findings a review marked wrong (left out of ``findings``)
    automatic_score: float                     # the score before the reviews changed it
    review_note: str                           # why the score could not be recomputed


def rubric_for(ref: dict, cache: dict, rubric=None, load_rubric=None):
    """The rubric a result was scored with (``ref`` = its ``rubric``): ``rubric`` if its hash matches, else
    ``load_rubric(id)`` when that still has the same hash, else None; ``cache`` keeps lookups by hash."""
    h = (ref or {}).get("hash")
    if rubric is not None and rubric.hash == h:
        return rubric
    if h in cache:
        return cache[h]
    if load_rubric is None:
        return None
    try:
        cand = load_rubric(ref.get("id"))
        found = cand if cand.hash == h else None
    except QAError:
        found = None
    cache[h] = found
    return found


def apply_reviews(results: Iterable[ResultDict], reviews: Iterable[dict], rubric=None, *,
                  load_rubric: Callable[[str], Any] | None = None) -> Iterator[ReviewedResultDict]:
    """Yield results with reviews applied (results without reviews pass through unchanged).

    A result whose findings a review drops is rescored with its rubric: ``rubric`` if its hash matches,
    else ``load_rubric(id)`` when that gives the same hash; otherwise the score is kept, with a note.
    """
    by_conv: dict[str, list[dict]] = {}
    for rv in reviews:
        by_conv.setdefault(rv["conversation_id"], []).append(rv)
    cache: dict[str, Any] = {}
    for r in results:
        rvs = by_conv.get(r.get("conversation_id"))
        yield apply_to_result(r, rvs, cache, rubric, load_rubric) if rvs else r


def apply_to_result(result: ResultDict, reviews: list[dict], cache: dict | None = None, rubric=None,
                    load_rubric: Callable[[str], Any] | None = None) -> ReviewedResultDict:
    reviews = sorted(reviews, key=lambda rv: rv.get("id") or 0)
    verdicts: dict[str, dict] = {}
    manual = None
    for rv in reviews:
        if rv["verdict"] == "score":
            manual = rv
        elif rv.get("finding_key"):
            verdicts[rv["finding_key"]] = rv
    r = copy.deepcopy(result)
    kept, dropped = [], []
    for f in r.get("findings") or []:
        rv = verdicts.get(finding_key(f))
        if rv is not None:
            f["review"] = {"verdict": rv["verdict"], "comment": rv.get("comment"), "reviewer": rv.get("reviewer")}
        (dropped if rv is not None and rv["verdict"] == "wrong" else kept).append(f)
    r["findings"] = kept
    r["reviews"] = [{k: rv.get(k) for k in ("id", "verdict", "finding_key", "score", "comment", "reviewer",
                                            "created_at")} for rv in reviews]
    if dropped:
        r["overridden_findings"] = dropped
    rb = rubric_for(r.get("rubric") or {}, cache if cache is not None else {}, rubric, load_rubric)
    if dropped:
        if rb is not None:
            _rescore(r, rb)
        else:
            r["review_note"] = "score kept: the rubric of this result could not be loaded to recompute it"
    if manual is not None:
        r["automatic_score"] = r["score"]
        r["score"] = float(manual["score"])
        if rb is not None:
            r["passed"] = r["score"] >= rb.scoring.pass_mark and not (
                r.get("fatal") and rb.scoring.fatal in ("zero", "fail"))
    return r


def _rescore(r: dict, rubric) -> None:
    findings = [Finding(rule=f["rule"], checker=f.get("checker", ""), severity=f.get("severity", "minor"),
                        message=f.get("message", "")) for f in r["findings"]]
    s = score_findings(rubric, findings, set(r.get("not_applicable") or ()))
    r["automatic_score"] = r["score"]
    r.update(score=s.score, max_score=s.max_score, passed=s.passed, fatal=s.fatal, sections=s.sections)

"""Copy a history into another database (``qa history export``), e.g. a lead's SQLite file into PostgreSQL.

Each run is re-recorded with its own input fingerprint, rubric, source and creation time, so the
copy is idempotent the way recording is: exporting again replaces the runs copied before. Reviews
are added in their original order unless an identical review (time, reviewer, conversation,
finding, verdict, score, comment) is already there. With ``redact``, results pass through
:func:`qa.results.redact.redact_result` and review comments through :func:`qa.results.redact.redact_text` first.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.store.store import Store

REVIEW_FIELDS = ("created_at", "reviewer", "conversation_id", "finding_key", "verdict", "score", "comment")


@dataclass
class CopyStats:
    runs: int = 0
    created: int = 0
    replaced: int = 0
    conversations: int = 0
    reviews: int = 0
    reviews_skipped: int = 0


def copy_history(source: Store, dest: Store, redact: bool = False) -> CopyStats:
    if redact:
        from qa.results.redact import redact_result, redact_text
    stats = CopyStats()
    for run in source.runs():
        results = source.results(run["id"])
        if redact:
            results = (redact_result(r) for r in results)
        info = dest.record_run(results, input_fingerprint=run["input_fingerprint"], source=run["source"],
                               rubric={"id": run["rubric_id"], "version": run["rubric_version"],
                                       "hash": run["rubric_hash"]},
                               created_at=run["created_at"])
        stats.runs += 1
        stats.conversations += info.conversations
        stats.created += info.created
        stats.replaced += not info.created
    there = {_review_key(rv) for rv in dest.reviews()}
    for rv in source.reviews():
        if redact and rv.get("comment"):
            rv = {**rv, "comment": redact_text(rv["comment"])}
        key = _review_key(rv)
        if key in there:
            stats.reviews_skipped += 1
            continue
        dest.add_review(rv["conversation_id"], rv["verdict"], finding=rv["finding_key"], score=rv["score"],
                        comment=rv["comment"], reviewer=rv["reviewer"], created_at=rv["created_at"])
        there.add(key)
        stats.reviews += 1
    return stats


def _review_key(rv: dict) -> tuple:
    return tuple(float(rv[k]) if k == "score" and rv[k] is not None else rv[k] for k in REVIEW_FIELDS)

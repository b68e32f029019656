"""A QA lead's reviews (``qa review``) as label records for ``qa eval`` (``qa review export``).

Each reviewed finding becomes a per-rule label on its turn: ``violated: true`` when the finding was marked
right, ``false`` when marked wrong (the latest review of a finding wins; several findings of one rule on
one turn make one label, violated when any of them was marked right). A manual score becomes the record's
``verdict`` — ``pass`` at or above the pass mark, else ``fail`` — when the pass mark is known: given with
``--pass-mark``, or read from the rubric of the conversation's latest result when that rubric still loads
with the same hash.

A finding key is ``rule@turn:start-end`` (:func:`qa.store.finding_key`), so a review still says which rule
and turn it judged after the result it was made on has been replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from qa.errors import QAError
from qa.results.reviews import rubric_for


def parse_finding_key(key: str) -> tuple[str, int | None]:
    """The rule and turn of a finding key ``rule@turn:start-end``."""
    rule, _, rest = key.rpartition("@")
    turn = rest.split(":", 1)[0]
    return rule, (int(turn) if turn.isdigit() else None)


def labels_from_reviews(reviews: Iterable[dict], pass_mark_of: Callable[[str], float | None]) -> list[dict[str, Any]]:
    """One label record per reviewed conversation, in conversation id order.

    ``pass_mark_of(conversation_id)`` gives the pass mark that turns a manual score into a verdict (None:
    no verdict is written for that conversation).
    """
    latest: dict[str, dict[str, dict]] = {}
    manual: dict[str, dict] = {}
    for rv in sorted(reviews, key=lambda r: r.get("id") or 0):
        cid = rv["conversation_id"]
        if rv["verdict"] == "score":
            if rv.get("score") is not None:
                manual[cid] = rv
        elif rv.get("finding_key"):
            latest.setdefault(cid, {})[rv["finding_key"]] = rv
    out = []
    for cid in sorted(set(latest) | set(manual)):
        by_turn: dict[tuple[str, int | None], dict[str, Any]] = {}
        for key, rv in latest.get(cid, {}).items():
            rule, turn = parse_finding_key(key)
            lab = by_turn.setdefault((rule, turn), {"rule": rule, "turn": turn, "violated": False, "note": ""})
            lab["violated"] = lab["violated"] or rv["verdict"] == "right"
            if rv.get("comment"):
                lab["note"] = "; ".join(x for x in (lab["note"], rv["comment"]) if x)
        rec: dict[str, Any] = {"id": cid}
        if by_turn:
            rec["rules"] = [by_turn[k] for k in sorted(by_turn, key=lambda k: (k[0], -1 if k[1] is None else k[1]))]
        if cid in manual:
            mark = pass_mark_of(cid)
            if mark is not None:
                rec["verdict"] = "pass" if float(manual[cid]["score"]) >= mark else "fail"
            if manual[cid].get("comment"):
                rec["note"] = manual[cid]["comment"]
        if len(rec) > 1:
            out.append(rec)
    return out


def export_from_store(store, pass_mark: float | None = None, *, load_rubric=None) -> tuple[list[dict[str, Any]], int]:
    """Label records from a history store's reviews; also how many manual scores got no verdict because
    their pass mark is unknown (``load_rubric`` finds a result's rubric, for its pass mark)."""
    cache: dict = {}
    missing: set[str] = set()

    def pass_mark_of(cid: str) -> float | None:
        if pass_mark is not None:
            return pass_mark
        try:
            ref = store.latest_result(cid).get("rubric") or {}
        except QAError:
            ref = {}
        rb = rubric_for(ref, cache, load_rubric=load_rubric) if ref else None
        if rb is None:
            missing.add(cid)
            return None
        return rb.scoring.pass_mark

    records = labels_from_reviews(store.reviews(), pass_mark_of)
    return records, len(missing)

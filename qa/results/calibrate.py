"""Agreement between automatic results and human reviewers (``qa calibrate``).

The human file is a CSV (UTF-8, a BOM is fine) with a ``conversation_id`` column and, per row, either a
conversation verdict — ``score`` and/or ``passed`` — or a rule verdict — ``rule`` and ``violated``::

    conversation_id,rule,violated,score,passed
    c-0001,,,85,pass
    c-0001,ban.refusal,yes,,
    c-0002,courtesy.greeting,no,,

Per rule (over the (conversation, rule) pairs a human judged): the rule "fires" when the automatic
result has at least one finding of it; precision = TP/(TP+FP), recall = TP/(TP+FN). Over conversations:
Cohen's kappa on pass/fail and the mean absolute error of scores.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from qa.errors import InputError
from qa.eval.metrics import cohen_kappa
from qa.store import finding_key

YES = {"1", "yes", "y", "true", "t", "pass", "passed", "是", "对", "通过", "合格", "违规"}
NO = {"0", "no", "n", "false", "f", "fail", "failed", "否", "错", "不通过", "不合格", "未违规"}


def _bool(value: str, path: str, line: int, fld: str) -> bool:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    raise InputError(f"expected yes/no (or pass/fail, 1/0), got {value!r}", path=path, line=line, field=fld)


@dataclass
class HumanVerdicts:
    scores: dict[str, float] = field(default_factory=dict)
    passed: dict[str, bool] = field(default_factory=dict)
    rules: dict[tuple[str, str], bool] = field(default_factory=dict)


def read_human_csv(path: str) -> HumanVerdicts:
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    out = HumanVerdicts()
    with fh:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in reader.fieldnames or []]
        if "conversation_id" not in cols:
            raise InputError("missing column 'conversation_id'", path=path, line=1,
                             hint="columns: conversation_id, and score/passed or rule/violated")
        if not ({"score", "passed"} & set(cols) or {"rule", "violated"} <= set(cols)):
            raise InputError("no verdict columns", path=path, line=1,
                             hint="add score and/or passed, or rule and violated")
        for row in reader:
            line = reader.line_num
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            cid = row.get("conversation_id")
            if not cid:
                raise InputError("empty conversation_id", path=path, line=line, field="conversation_id")
            if row.get("rule"):
                if not row.get("violated"):
                    raise InputError(f"rule {row['rule']!r} has no verdict", path=path, line=line, field="violated")
                out.rules[(cid, row["rule"])] = _bool(row["violated"], path, line, "violated")
                continue
            if row.get("score"):
                try:
                    out.scores[cid] = float(row["score"])
                except ValueError:
                    raise InputError(f"score must be a number, got {row['score']!r}", path=path, line=line,
                                     field="score") from None
            if row.get("passed"):
                out.passed[cid] = _bool(row["passed"], path, line, "passed")
    return out


def verdicts_from_reviews(results: Iterable[dict], reviews: Iterable[dict]) -> HumanVerdicts:
    """Human verdicts from ``qa review``: a rule is violated in a conversation when a QA lead marked one of
    its findings right, and not violated when every reviewed finding of it was marked wrong; manual
    scores are human scores."""

    latest: dict[tuple[str, str], str] = {}
    out = HumanVerdicts()
    for rv in sorted(reviews, key=lambda r: r.get("id") or 0):
        if rv["verdict"] == "score" and rv.get("score") is not None:
            out.scores[rv["conversation_id"]] = float(rv["score"])
        elif rv.get("finding_key"):
            latest[(rv["conversation_id"], rv["finding_key"])] = rv["verdict"]
    for r in results:
        cid = r["conversation_id"]
        by_rule: dict[str, list[str]] = {}
        for f in r.get("findings") or ():
            v = latest.get((cid, finding_key(f)))
            if v is not None:
                by_rule.setdefault(f["rule"], []).append(v)
        for rule, vs in by_rule.items():
            out.rules[(cid, rule)] = "right" in vs
    return out


def calibrate(results: Iterable[dict], human: HumanVerdicts, min_precision: float = 0.8,
              min_recall: float = 0.8) -> dict[str, Any]:
    auto = {r["conversation_id"]: r for r in results}
    humans = set(human.scores) | set(human.passed) | {c for c, _ in human.rules}
    missing = sorted(humans - set(auto))
    rules: dict[str, dict[str, Any]] = {}
    for (cid, rule), violated in sorted(human.rules.items()):
        r = auto.get(cid)
        if r is None:
            continue
        fired = any(f["rule"] == rule for f in r.get("findings") or ())
        e = rules.setdefault(rule, {"rule": rule, "tp": 0, "fp": 0, "fn": 0, "tn": 0, "false_alarms": [],
                                    "misses": []})
        if fired and violated:
            e["tp"] += 1
        elif fired:
            e["fp"] += 1
            e["false_alarms"].append(cid)
        elif violated:
            e["fn"] += 1
            e["misses"].append(cid)
        else:
            e["tn"] += 1
    for e in rules.values():
        e["precision"] = e["tp"] / (e["tp"] + e["fp"]) if e["tp"] + e["fp"] else None
        e["recall"] = e["tp"] / (e["tp"] + e["fn"]) if e["tp"] + e["fn"] else None
        advice = []
        if e["precision"] is not None and e["precision"] < min_precision:
            advice.append("too many false alarms: add exceptions (unless) or narrow the phrases")
        if e["recall"] is not None and e["recall"] < min_recall:
            advice.append("misses violations: add phrases or widen the scope")
        e["advice"] = advice
    pairs = [(bool(auto[c]["passed"]), human.passed[c]) for c in sorted(human.passed) if c in auto]
    diffs = [abs(float(auto[c]["score"]) - human.scores[c]) for c in sorted(human.scores) if c in auto]
    agree = sum(a == b for a, b in pairs)
    return {
        "conversations": len(humans - set(missing)),
        "missing": missing,
        "rules": sorted(rules.values(), key=lambda e: (min(e["precision"] if e["precision"] is not None else 1,
                                                          e["recall"] if e["recall"] is not None else 1), e["rule"])),
        "pass_fail": {"n": len(pairs), "agreement": agree / len(pairs) if pairs else None,
                      "kappa": cohen_kappa(pairs),
                      "auto_pass_human_fail": sum(a and not b for a, b in pairs),
                      "auto_fail_human_pass": sum(b and not a for a, b in pairs)},
        "scores": {"n": len(diffs), "mae": sum(diffs) / len(diffs) if diffs else None,
                   "max_abs_error": max(diffs) if diffs else None},
    }

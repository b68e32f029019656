"""From judgements to figures: one row per :class:`~qa.eval.judge.Metric`, and how they are shown.

:func:`summarise` counts the items of each figure into a confusion table and its estimates (plain data,
what ``-f json`` prints and what floors are checked against); :func:`render_table` prints it for a person,
grouped by family, with the columns each family is read by (P/R/F1 for banned phrasing and complaints,
balanced accuracy for courtesy facts, kappa for the verdict).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qa.eval.judge import FAMILIES, Item, Metric
from qa.eval.labels import COMPLAINT_TYPES
from qa.eval.metrics import Counts, macro_f1

STATS = ("precision", "recall", "f1", "specificity", "balanced_accuracy", "accuracy")


def row_for(metric: Metric, counts: Counts) -> dict[str, Any]:
    row: dict[str, Any] = {"id": metric.id, "family": metric.family, "title": metric.title, "unit": metric.unit,
                           "rules": list(metric.rules), "n": counts.n, "positives": counts.positives,
                           "predicted": counts.predicted, "tp": counts.tp, "fp": counts.fp, "fn": counts.fn,
                           "tn": counts.tn}
    for stat in STATS:
        row[stat] = getattr(counts, stat)().to_dict()
    if metric.family == "verdict":
        k = counts.kappa()
        row["kappa"] = None if k is None else round(k, 4)
    if metric.same_as:
        row["same_as"] = metric.same_as
    return row


def summarise(metrics: list[Metric], items: list[Item]) -> dict[str, Any]:
    """Rows for every figure with at least one unit, plus the complaint types' macro-F1."""
    by: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by[it.metric].append(it)
    rows = []
    counts: dict[str, Counts] = {}
    for m in metrics:
        its = by.get(m.id)
        if not its:
            continue
        counts[m.id] = Counts.of((it.label, it.predicted) for it in its)
        rows.append(row_for(m, counts[m.id]))
    out: dict[str, Any] = {"metrics": rows}
    types = [counts[f"complaint.{t}"] for t in COMPLAINT_TYPES if f"complaint.{t}" in counts]
    if types:
        value, over = macro_f1(types)
        out["complaint_types"] = {"macro_f1": None if value is None else round(value, 4), "types": over}
    return out


def figure(report: dict[str, Any], metric_id: str, stat: str) -> float | None:
    """One figure of a report (``complaint.types`` / ``macro_f1`` for the macro-F1); None when undefined
    or absent."""
    if metric_id == "complaint.types":
        return (report.get("complaint_types") or {}).get(stat)
    for row in report["metrics"]:
        if row["id"] == metric_id:
            v = row.get(stat)
            return v.get("value") if isinstance(v, dict) else v
    return None


# -- terminal ---------------------------------------------------------------------------------------------

def _est(e: dict | None, interval: bool = True) -> str:
    if not e or e.get("value") is None:
        return "—"
    if not interval:
        return f"{e['value']:.2f}"
    return f"{e['value']:.2f} [{e['low']:.2f}–{e['high']:.2f}]"


def _figure_label(row: dict[str, Any]) -> str:
    if row["id"].startswith("rule:"):
        return f"  {row['title']}"
    if row.get("single_rule"):
        return f"{row['title']} ({row['single_rule']})"
    return row["title"]


def render_table(report: dict[str, Any], console) -> None:
    """Print the report as one table per family (rich): n and the confusion counts, then the figures the
    family is read by, each with its 95% interval. A rule that alone implements a label is named beside
    it; a label implemented by several rules has a row per rule under it."""
    from rich.markup import escape
    from rich.table import Table

    head = report.get("header") or {}
    if head:
        console.print(escape(head.get("line", "")), soft_wrap=True)
        console.print()
    rows_by_family: dict[str, list[dict]] = defaultdict(list)
    for row in report["metrics"]:
        rows_by_family[row["family"]].append(row)
    singles = {row["same_as"]: row["title"] for row in report["metrics"] if row.get("same_as")}
    for family, title in FAMILIES.items():
        rows = [r for r in rows_by_family.get(family, ()) if not r.get("same_as")]
        if not rows:
            continue
        if family == "courtesy":
            cols = [("bal. accuracy", "balanced_accuracy"), ("precision", "precision"), ("recall", "recall")]
        elif family == "verdict":
            cols = [("kappa", "kappa"), ("agreement", "accuracy"), ("precision", "precision"), ("recall", "recall")]
        else:
            cols = [("precision", "precision"), ("recall", "recall"), ("F1", "f1")]
        t = Table(title=f"[bold]{title}[/bold]", title_justify="left", show_edge=False, pad_edge=False,
                  box=None, header_style="bold")
        t.add_column("figure", no_wrap=True)
        for col in ("n", "TP", "FP", "FN"):
            t.add_column(col, justify="right", no_wrap=True)
        for name, _ in cols:
            t.add_column(name, justify="right", no_wrap=True)
        for row in rows:
            row = dict(row, single_rule=singles.get(row["id"]))
            cells = [escape(_figure_label(row)), str(row["n"]), str(row["tp"]), str(row["fp"]), str(row["fn"])]
            for _, stat in cols:
                if stat == "kappa":
                    cells.append("—" if row.get("kappa") is None else f"{row['kappa']:.2f}")
                else:
                    cells.append(_est(row.get(stat)))
            t.add_row(*cells, style="bold" if row["id"] in ("banned.any", "complaint.any") else None)
        console.print(t)
        if family == "complaints" and report.get("complaint_types"):
            ct = report["complaint_types"]
            mf = "—" if ct["macro_f1"] is None else f"{ct['macro_f1']:.2f}"
            console.print(f"complaint types: macro-F1 {mf} over {ct['types']} type(s) "
                          f"(a type neither labelled nor predicted is left out)")
        console.print()
    notes = report.get("not_measured") or []
    if notes:
        console.print("not measured: " + escape("; ".join(notes)), soft_wrap=True)
    unrev = report.get("unreviewed_findings") or {}
    if unrev:
        console.print("findings no per-rule label speaks about (not counted): "
                      + escape(", ".join(f"{r} {n}" for r, n in sorted(unrev.items()))))
    console.print("95% Wilson intervals in brackets; TP/FP/FN: qa and the reader both / qa only / the reader only. "
                  "docs/eval.md defines each figure.")

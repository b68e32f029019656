"""Scorecard output for the terminal, CSV and JSON.

The classes extend the result reporters of :mod:`qa.reporters.basic` with ``write_scorecard``, so one
format name (``--format csv``) serves both ``qa score`` and ``qa scorecard``.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from qa.reporters import basic
from qa.reporters.basic import safe_cell

# (column, header, kind) — kind picks the formatting: n number, f1 one decimal, pct share, s seconds, t text
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("period", "period", "t"),
    ("conversations", "conv", "n"),
    ("mean_score", "mean", "f1"),
    ("pass_rate", "pass", "pct"),
    ("fatal", "fatal", "n"),
    ("findings_per_100", "find/100", "f1"),
    ("complaint_rate", "投诉率", "pct"),
    ("first_response_mean_s", "响应s", "s"),
    ("reply_wait_mean_s", "wait s", "s"),
    ("handle_time_mean_s", "处理s", "s"),
    ("sla_attainment", "及时率", "pct"),
    ("satisfaction", "满意度%", "f1"),
    ("rank", "rank", "n"),
)


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value:.1%}"
    if kind in ("f1", "s"):
        return f"{value:.1f}"
    return str(value)


CHANGE_SHOWN = ("mean_score", "pass_rate", "complaint_rate")


def fmt_change(value: float | None, kind: str) -> str:
    if value is None:
        return ""
    if kind == "pct":
        return f" {value * 100:+.0f}pp"
    return f" {value:+.1f}"


def top_items(counts: dict[str, float], n: int = 3, suffix: str = "") -> str:
    return ", ".join(f"{k} {v:g}{suffix}" for k, v in list(counts.items())[:n])


def flat_rows(sc: dict) -> tuple[list[str], list[list[Any]]]:
    """Scorecard rows as a flat table (group columns, KPIs, changes, escalation, top rules)."""
    header = [*sc["by"], *(c for c, _, _ in COLUMNS), "low_volume", "complaints", "complaints_by_type",
              "escalation_penalty", "escalation_review", "change_mean_score", "change_pass_rate",
              "change_complaint_rate", "top_rules_per_100"]
    rows = []
    for r in sc["rows"]:
        ch = r.get("change") or {}
        rows.append([*(r[k] for k in sc["by"]), *(r[c] for c, _, _ in COLUMNS), r["low_volume"], r["complaints"],
                     json.dumps(r["complaints_by_type"], ensure_ascii=False), r["escalation"]["penalty"],
                     r["escalation"]["review"], ch.get("mean_score"), ch.get("pass_rate"), ch.get("complaint_rate"),
                     top_items(r["findings_per_100_by_rule"], 5)])
    return header, rows


class TableReporter(basic.TableReporter):
    kinds = ("results", "scorecard")

    def write_scorecard(self, scorecard, out, options):
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        sc = scorecard.to_dict()
        width = options.get("width") or (None if getattr(out, "isatty", lambda: False)() else 220)
        console = Console(file=out, width=width)
        title = f"Scorecard by {', '.join(sc['by'])} per {sc['period']}"
        if sc["since"] or sc["until"]:
            title += f" ({sc['since'] or '…'} → {sc['until'] or '…'})"
        table = Table(title=title)
        for k in sc["by"]:
            table.add_column(k, overflow="fold")
        for _, head, kind in COLUMNS:
            table.add_column(head, justify="left" if kind == "t" else "right", no_wrap=True)
        table.add_column("complaints by type", overflow="fold", min_width=14)
        table.add_column("escalation", overflow="fold", min_width=12)
        table.add_column("top rules /100", overflow="fold", min_width=24)
        for r in sc["rows"]:
            ch = r.get("change") or {}
            cells = [Text(str(r[k])) for k in sc["by"]]
            for col, _, kind in COLUMNS:
                if col == "rank" and r["low_volume"]:
                    cells.append(Text(f"— (<{sc['min_conversations']})", style="dim"))
                    continue
                change = fmt_change(ch.get(col), kind) if col in CHANGE_SHOWN else ""
                cells.append(Text(fmt(r[col], kind) + change))
            esc = r["escalation"]
            esc_text = ""
            if esc["complaints"]:
                esc_text = f"{esc['complaints']}× penalty {esc['penalty']:g}" + (" REVIEW" if esc["review"] else "")
            cells.append(Text(top_items(r["complaints_by_type"])))
            cells.append(Text(esc_text, style="bold red" if esc["review"] else ""))
            cells.append(Text(top_items({k: round(v) for k, v in r["findings_per_100_by_rule"].items()}, 2)))
            table.add_row(*cells, style="dim" if r["low_volume"] else None)
        console.print(table)
        low = sum(r["low_volume"] for r in sc["rows"])
        note = f"{sc['conversations']} conversations in {len(sc['rows'])} rows"
        if sc["excluded"]:
            note += f"; {sc['excluded']} outside the date range"
        if low:
            note += f"; {low} row(s) under {sc['min_conversations']} conversations are not ranked"
        console.print(note)


class CsvReporter(basic.CsvReporter):
    kinds = ("results", "scorecard")

    def write_scorecard(self, scorecard, out, options):
        out.write("\ufeff")
        header, rows = flat_rows(scorecard.to_dict())
        w = csv.writer(out)
        w.writerow(header)
        for row in rows:
            w.writerow([safe_cell(x) for x in row])


class JsonReporter(basic.JsonReporter):
    kinds = ("results", "scorecard")

    def write_scorecard(self, scorecard, out, options):
        json.dump(scorecard.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")

"""Builtin result reporters: jsonl (the output contract), json, csv and a rich terminal table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from qa.reporters.base import Reporter


class JsonlReporter(Reporter):
    name = "jsonl"
    extension = ".jsonl"
    description = "one result object per line (the documented output contract)"

    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write_results(self, results, out, options):
        encode = self._encode
        write = out.write
        for r in results:
            write(encode(r) + "\n")


class JsonReporter(Reporter):
    name = "json"
    extension = ".json"
    description = "a JSON array of result objects"

    def write_results(self, results, out, options):
        out.write("[")
        for k, r in enumerate(results):
            out.write(("," if k else "") + "\n" + json.dumps(r, ensure_ascii=False))
        out.write("\n]\n")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: a text cell starting with = + - @ gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class CsvReporter(Reporter):
    name = "csv"
    extension = ".csv"
    description = "one row per finding (conversations without findings get one row), UTF-8 with BOM"
    columns = ("conversation_id", "agent_id", "team", "channel", "score", "passed", "fatal", "rule", "severity",
               "points", "turn", "span_start", "span_end", "time", "evidence", "message")

    def write_results(self, results: Iterable[dict], out: IO, options):
        out.write("\ufeff")
        w = csv.writer(out)
        w.writerow(self.columns)
        for r in results:
            base = [r["conversation_id"], r.get("agent_id"), r.get("team"), r.get("channel"), r["score"],
                    r["passed"], r["fatal"]]
            if not r["findings"]:
                w.writerow([safe_cell(x) for x in base] + [""] * 9)
            for f in r["findings"]:
                span = f.get("span") or [None, None]
                w.writerow([safe_cell(x) for x in base + [f["rule"], f["severity"], f["points"], f["turn"], span[0],
                                                         span[1], f["time"], f["evidence"], f["message"]]])


class TableReporter(Reporter):
    name = "table"
    extension = ".txt"
    description = "a terminal table with a summary"

    def write_results(self, results, out, options):
        from rich.console import Console
        from rich.table import Table

        console = Console(file=out, width=options.get("width") or None)
        table = Table(title=f"Scores — rubric {options.get('rubric_label', '')}", show_lines=False)
        for col, just in (("conversation", "left"), ("agent", "left"), ("score", "right"), ("result", "center"),
                          ("findings", "right"), ("top rules", "left")):
            table.add_column(col, justify=just, overflow="fold")
        n = 0
        total = 0.0
        passed = 0
        limit = options.get("max_rows", 200)
        shown = 0
        for r in results:
            n += 1
            total += r["score"]
            passed += bool(r["passed"])
            if shown < limit:
                shown += 1
                counts: dict[str, int] = {}
                for f in r["findings"]:
                    counts[f["rule"]] = counts.get(f["rule"], 0) + 1
                top = ", ".join(f"{k}×{v}" if v > 1 else k for k, v in sorted(counts.items(), key=lambda x: -x[1])[:3])
                verdict = "[red]FATAL[/]" if r["fatal"] else ("[green]pass[/]" if r["passed"] else "[yellow]fail[/]")
                if r.get("errors"):
                    verdict += " [red]error[/]"
                table.add_row(_esc(r["conversation_id"]), _esc(r.get("agent_id") or "—"), f"{r['score']:.1f}",
                              verdict, str(len(r["findings"])), _esc(top))
        console.print(table)
        if n > shown:
            console.print(f"… {n - shown} more conversations (use --format jsonl -o FILE for all)")
        if n:
            console.print(f"{n} conversations, mean score {total / n:.1f}, pass rate {passed / n:.1%}")
        else:
            console.print("no conversations scored")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))

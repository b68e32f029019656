"""Excel workbook: sheets for agents, rules, complaint types and conversations (openpyxl).

Headers are frozen and filterable, shares use a percent format, scores one decimal; every text cell
goes through :func:`qa.reporters.basic.safe_cell` so evidence cannot become a formula.
"""

from __future__ import annotations

from typing import Any

from qa.reporters.base import Reporter
from qa.reporters.basic import safe_cell
from qa.reporters.scorecard_formats import COLUMNS

PCT = "0.0%"
ONE = "0.0"
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def _cell(v: Any) -> Any:
    if isinstance(v, str):
        return safe_cell(v.translate(_ILLEGAL))
    if isinstance(v, dict | list | tuple):
        return ", ".join(f"{k} {x}" for k, x in v.items()) if isinstance(v, dict) else ", ".join(map(str, v))
    return v


def _sheet(wb, title: str, header: list[str], rows, formats: dict[str, str] | None = None, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    from openpyxl.styles import Font

    for c in ws[1]:
        c.font = Font(bold=True)
    n = 1
    for row in rows:
        ws.append([_cell(v) for v in row])
        n += 1
    ws.freeze_panes = "A2"
    if n > 1:
        ws.auto_filter.ref = ws.dimensions
    for j, name in enumerate(header, 1):
        f = (formats or {}).get(name)
        letter = ws.cell(row=1, column=j).column_letter
        ws.column_dimensions[letter].width = max(10, min(40, len(str(name)) + 4))
        if f:
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                c.number_format = f
    return ws


def write_workbook(sc: dict, results: list[dict], out) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    fmt = {"t": None, "n": "0", "f1": ONE, "s": ONE, "pct": PCT}
    header = [*sc["by"], *(c for c, _, _ in COLUMNS), "low_volume", "complaints", "escalation_penalty",
              "escalation_review", "change_mean_score", "change_pass_rate"]
    formats = {c: fmt[k] for c, _, k in COLUMNS if fmt[k]}
    formats.update(change_mean_score=ONE, change_pass_rate=PCT)
    rows = []
    for r in sc["rows"]:
        ch = r.get("change") or {}
        rows.append([*(r[k] for k in sc["by"]), *(r[c] for c, _, _ in COLUMNS), r["low_volume"], r["complaints"],
                     r["escalation"]["penalty"], r["escalation"]["review"], ch.get("mean_score"), ch.get("pass_rate")])
    _sheet(wb, "agents", header, rows, formats, first=True)

    rule_rows = []
    for r in sc["rows"]:
        for rule, per100 in r["findings_per_100_by_rule"].items():
            rule_rows.append([*(r[k] for k in sc["by"]), r["period"], rule, per100])
    _sheet(wb, "rules", [*sc["by"], "period", "rule", "findings_per_100"], rule_rows, {"findings_per_100": ONE})

    type_rows = []
    for r in sc["rows"]:
        for t, n in r["complaints_by_type"].items():
            type_rows.append([*(r[k] for k in sc["by"]), r["period"], t, n, n / r["conversations"]])
    _sheet(wb, "complaint types", [*sc["by"], "period", "complaint_type", "conversations", "share"], type_rows,
           {"share": PCT})

    from qa.results.scorecard import complaint_types

    conv_rows = []
    for res in results:
        conv_rows.append([res.get("conversation_id"), res.get("agent_id"), res.get("team"), res.get("channel"),
                          res.get("started_at"), res.get("score"), bool(res.get("passed")), bool(res.get("fatal")),
                          len(res.get("findings") or ()),
                          ", ".join(sorted({f["rule"] for f in res.get("findings") or ()})),
                          ", ".join(complaint_types(res))])
    _sheet(wb, "conversations", ["conversation_id", "agent_id", "team", "channel", "started_at", "score", "passed",
                                 "fatal", "findings", "rules", "complaint_types"], conv_rows, {"score": ONE})
    wb.save(out)


class XlsxReporter(Reporter):
    name = "xlsx"
    kinds = ("results", "scorecard")
    binary = True
    extension = ".xlsx"
    description = "Excel workbook: agents, rules, complaint types, conversations"

    def write_results(self, results, out, options):
        from qa.results.scorecard import aggregate

        results = list(results)
        sc = aggregate(results, by=options.get("by", "agent"), period=options.get("period", "all"),
                       policy=options.get("policy"))
        write_workbook(sc.to_dict(), results, out)

    def write_scorecard(self, scorecard, out, options):
        write_workbook(scorecard.to_dict(), list(options.get("results") or ()), out)

"""Floors: figures a rubric must keep on the devset, checked in CI (``qa eval floors``).

``floors.yaml`` lives in the devset folder; one entry per rubric::

    zh-customer-service:                 # rubric name or path
      labels: labels.jsonl               # relative to this file
      split: test                        # train | test | all
      # devset: DIR                      # optional: the devset folder (default: this file's folder)
      language: [zh]                     # optional; also corpus: [...], targets: FILE
      floors:
        banned.any: {precision: 0.93, recall: 0.68}
        courtesy.apology: {balanced_accuracy: 0.59}
        complaint.types: {macro_f1: 0.26}

A figure is a row id of ``qa eval -f json`` (``banned.any``, ``courtesy.hold``, ``rule:ban.refusal``,
``complaint.fees``, ``verdict.fail`` …) or ``complaint.types``, and a statistic of it. An undefined figure
(no unit to judge it on) fails its floor. ``qa eval … --pin-floors`` writes an entry from the current figures.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, did_you_mean
from qa.eval.files import read_yaml
from qa.eval.report import figure
from qa.io import atomic_output
from qa.rules.rubric.yamlsafe import line_of

ENTRY_KEYS = ("labels", "devset", "split", "corpus", "language", "targets", "floors")
STAT_NAMES = ("precision", "recall", "f1", "specificity", "balanced_accuracy", "accuracy", "kappa", "macro_f1")
HEADER = """\
# Figures each rubric must keep on the development set (qa eval floors; docs/eval.md, "Floors in CI").
# Pin them from a run with: qa eval RUBRIC --split test --pin-floors corpora/devset/floors.yaml
# A rubric change that loses a figure below its floor fails the test suite.
"""


@dataclass
class FloorEntry:
    rubric: str
    labels: Path
    devset: Path
    split: str = "test"
    corpora: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    targets: Path | None = None
    floors: dict[tuple[str, str], float] = field(default_factory=dict)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True)
class Shortfall:
    metric: str
    stat: str
    floor: float
    value: float | None

    def __str__(self) -> str:
        got = "undefined" if self.value is None else f"{self.value:.4f}"
        return f"{self.metric} {self.stat} {got} is below its floor {self.floor:g}"


def load_floors(path: str | Path) -> list[FloorEntry]:
    """Every entry of a floors file (an empty file, or one with only comments, has none)."""
    path = Path(path)
    data = read_yaml(path, "floors file")
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping: rubric → {labels, split, floors}", path=str(path), line=1)
    out = []
    for rubric, spec in data.items():
        def err(msg, node, key, fld, hint=None):
            return ConfigError(msg, path=str(path), line=line_of(node, key), field=fld, hint=hint)

        if not isinstance(spec, dict):
            raise err("expected a mapping with labels, split and floors", data, rubric, str(rubric))
        for k in spec:
            if k not in ENTRY_KEYS:
                raise err(f"unknown key {k!r}", spec, k, f"{rubric}.{k}", did_you_mean(str(k), ENTRY_KEYS))
        if not isinstance(spec.get("labels"), str):
            raise err("labels: the labels file, relative to this file", spec, "labels", f"{rubric}.labels")
        split = spec.get("split", "test")
        if split not in ("train", "test", "all"):
            raise err(f"split must be train, test or all, got {split!r}", spec, "split", f"{rubric}.split")

        def names(key, spec=spec, rubric=rubric):
            v = spec.get(key) or []
            v = [v] if isinstance(v, str) else v
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise err("expected a name or a list of names", spec, key, f"{rubric}.{key}")
            return tuple(v)

        if "devset" in spec and not isinstance(spec["devset"], str):
            raise err("devset: the devset folder, relative to this file", spec, "devset", f"{rubric}.devset")
        entry = FloorEntry(str(rubric), path.parent / spec["labels"], path.parent / spec.get("devset", "."), split,
                           names("corpus"), names("language"),
                           (path.parent / spec["targets"]) if spec.get("targets") else None, path=str(path))
        floors = spec.get("floors") or {}
        if not isinstance(floors, dict):
            raise err("expected a mapping figure → {statistic: floor}", spec, "floors", f"{rubric}.floors")
        for metric, stats in floors.items():
            if not isinstance(stats, dict):
                raise err("expected {statistic: floor}", floors, metric, f"{rubric}.floors.{metric}")
            for stat, value in stats.items():
                where = f"{rubric}.floors.{metric}.{stat}"
                if stat not in STAT_NAMES:
                    raise err(f"unknown statistic {stat!r}; one of: {', '.join(STAT_NAMES)}", stats, stat, where,
                              did_you_mean(str(stat), STAT_NAMES))
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 <= value <= 1:
                    raise err(f"a floor is a number between -1 and 1, got {value!r}", stats, stat, where)
                entry.floors[(str(metric), stat)] = float(value)
                entry.lines[(str(metric), stat)] = line_of(stats, stat) or line_of(floors, metric)
        out.append(entry)
    return out


def check(entry: FloorEntry, report: dict[str, Any]) -> list[Shortfall]:
    """The figures of ``report`` below their floor (an unknown figure id is an error naming its line)."""
    known = {row["id"] for row in report["metrics"]} | ({"complaint.types"} if report.get("complaint_types") else set())
    out = []
    for (metric, stat), floor in entry.floors.items():
        if metric not in known:
            raise ConfigError(f"no figure {metric!r} in this evaluation", path=entry.path,
                              line=entry.lines.get((metric, stat)), field=f"{entry.rubric}.floors.{metric}",
                              hint=did_you_mean(metric, known) or "see `qa eval RUBRIC -f json` for the figure ids")
        value = figure(report, metric, stat)
        if value is None or value < floor:
            out.append(Shortfall(metric, stat, floor, value))
    return out


HEADLINE = {"banned.any": ("precision", "recall"), "complaint.any": ("precision", "recall", "f1"),
            "escalation": ("precision", "recall"), "callbacks": ("precision", "recall"),
            "verdict.pass": ("kappa",), "verdict.fail": ("kappa",)}


def current_floors(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The headline figures of a report, to pin: precision and recall of banned phrasing (any), escalation and
    call-backs; precision, recall and F1 of complaint vs none; the balanced accuracy of each courtesy fact;
    the complaint types' macro-F1; the verdict kappas — each rounded down to 3 decimals. Undefined figures,
    and figures at 0 (no floor to keep), are not pinned. Any other row (``banned.refusal``, ``rule:…``) can be
    added to the file by hand."""
    out: dict[str, dict[str, float]] = {}

    def down(v):
        return math.floor(v * 1000) / 1000

    for row in report["metrics"]:
        rid = row["id"]
        stats = ("balanced_accuracy",) if row["family"] == "courtesy" and rid.startswith("courtesy.") \
            else HEADLINE.get(rid, ())
        pinned = {}
        for s in stats:
            v = figure(report, rid, s)
            if v is not None and down(v) > 0:
                pinned[s] = down(v)
        if pinned:
            out[rid] = pinned
    mf = (report.get("complaint_types") or {}).get("macro_f1")
    if mf is not None and down(mf) > 0:
        out["complaint.types"] = {"macro_f1": down(mf)}
    return out


def write_entry(path: str | Path, rubric: str, selection: dict[str, Any], floors: dict[str, dict[str, float]]) -> None:
    """Add or replace ``rubric``'s entry in the floors file at ``path`` (created when absent)."""
    path = Path(path)
    data: dict[str, Any] = {}
    if path.exists():
        for e in load_floors(path):
            data[e.rubric] = _entry_dict(e, path)
    data[rubric] = {**selection, "floors": floors}
    lines = [HEADER]
    for name, spec in data.items():
        lines.append(f"{_scalar(name)}:")
        for k in ("labels", "devset", "split", "corpus", "language", "targets"):
            if spec.get(k):
                lines.append(f"  {k}: {_scalar(spec[k])}")
        lines.append("  floors:")
        for metric, stats in spec["floors"].items():
            body = ", ".join(f"{s}: {v:g}" for s, v in stats.items())
            lines.append(f"    {_scalar(metric)}: {{{body}}}")
    with atomic_output(str(path)) as fh:
        fh.write("\n".join(lines) + "\n")


def _scalar(value) -> str:
    """A YAML scalar or flow list: plain when that reads back the same, else JSON (which YAML reads)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_][\w./:@*-]*", value) and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)


def _entry_dict(e: FloorEntry, path: Path) -> dict[str, Any]:
    d: dict[str, Any] = {"labels": os.path.relpath(e.labels, path.parent), "split": e.split}
    if e.devset.resolve() != path.parent.resolve():
        d["devset"] = os.path.relpath(e.devset, path.parent)
    if e.corpora:
        d["corpus"] = list(e.corpora)
    if e.languages:
        d["language"] = list(e.languages)
    if e.targets:
        d["targets"] = os.path.relpath(e.targets, path.parent)
    floors: dict[str, dict[str, float]] = {}
    for (metric, stat), v in e.floors.items():
        floors.setdefault(metric, {})[stat] = v
    d["floors"] = floors
    return d

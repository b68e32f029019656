"""Project configuration: ``qa.toml`` or ``[tool.qa]`` in ``pyproject.toml``, found upward from the
working directory; command-line options override it. Unknown keys are errors with a hint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qa.errors import ConfigError
from qa.model import SEVERITIES
from qa.schema import Field, Schema, Where

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG = Schema({
    "rubric": Field(str, "default rubric name or path for score/explain"),
    "select": Field(list, "rule ids, prefixes or tags to run (default: all)", item=str),
    "ignore": Field(list, "rule ids, prefixes or tags to skip", item=str),
    "fail-under": Field(float, "quality gate: exit 1 if the mean score is below this"),
    "fail-on": Field(str, "quality gate: exit 1 on any finding of this severity or worse", choices=SEVERITIES),
    "plugins": Field(list, "extra plugin modules to load", item=str),
    "plugins-disable": Field(list, "entry-point plugins not to load", item=str),
    "jobs": Field(int, "worker processes for scoring"),
    "scheduler": Field(str, "Dask scheduler address (tcp://HOST:PORT) for qa score"),
    "format": Field(str, "default output format of qa score"),
    "db": Field(str, "history database: a SQLite path or a postgresql:// URL"),
    "input-format": Field(str, "default input format (auto, jsonl, csv, …)"),
    "mapping": Field(str, "default mapping file for delimited input"),
}, unknown="unknown config key {key!r}")
KEYS = {k: f.doc for k, f in CONFIG.fields.items()}


def find_config(start: str | os.PathLike | None = None) -> tuple[Path | None, dict[str, Any]]:
    """The nearest qa.toml or pyproject.toml with [tool.qa], and its qa table."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        qa_toml = d / "qa.toml"
        if qa_toml.is_file():
            return qa_toml, _read(qa_toml, tool_table=False)
        pyproject = d / "pyproject.toml"
        if pyproject.is_file():
            table = _read(pyproject, tool_table=True)
            if table is not None:
                return pyproject, table
    return None, {}


def _read(path: Path, tool_table: bool) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from None
    if tool_table:
        table = data.get("tool", {}).get("qa")
        if table is None:
            return None
        prefix = "tool.qa"
    else:
        table = data
        prefix = ""
    CONFIG.check(table, Where(str(path), ConfigError, f"{prefix}." if prefix else ""))
    if table.get("jobs") is not None and table["jobs"] < 1:
        raise ConfigError(f"jobs must be at least 1, got {table['jobs']}", path=str(path),
                          field=f"{prefix}.jobs" if prefix else "jobs")
    return dict(table)


def load_config(path: str | None = None) -> tuple[Path | None, dict[str, Any]]:
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("config file not found", path=path)
        return p, _read(p, tool_table=p.name == "pyproject.toml") or {}
    return find_config()

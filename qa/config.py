"""Project configuration: ``qa.toml`` or ``[tool.qa]`` in ``pyproject.toml``, found upward from the
working directory; command-line options override it. Unknown keys are errors with a hint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, did_you_mean

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

KEYS = {
    "rubric": "default rubric name or path for score/explain",
    "select": "rule ids, prefixes or tags to run (default: all)",
    "ignore": "rule ids, prefixes or tags to skip",
    "fail-under": "quality gate: exit 1 if the mean score is below this",
    "fail-on": "quality gate: exit 1 on any finding of this severity or worse",
    "plugins": "extra plugin modules to load",
    "plugins-disable": "entry-point plugins not to load",
    "jobs": "worker processes for scoring",
    "scheduler": "Dask scheduler address (tcp://HOST:PORT) for qa score",
    "format": "default output format of qa score",
    "db": "history database: a SQLite path or a postgresql:// URL",
    "input-format": "default input format (auto, jsonl, csv, …)",
    "mapping": "default mapping file for delimited input",
}


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
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"unknown config key {key!r}", path=str(path),
                              field=f"{prefix}.{key}" if prefix else key,
                              hint=did_you_mean(key, KEYS) or f"known keys: {', '.join(KEYS)}")
    return dict(table)


def load_config(path: str | None = None) -> tuple[Path | None, dict[str, Any]]:
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("config file not found", path=path)
        return p, _read(p, tool_table=p.name == "pyproject.toml") or {}
    return find_config()

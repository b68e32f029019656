"""One finding of ``qa rubric lint`` about a rubric: code, rule, message and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.rules.rubric.model import Rubric


@dataclass
class LintIssue:
    code: str
    rule: str | None
    message: str
    path: str | None = None
    line: int | None = None
    level: str = "warning"  # "warning" | "info"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.path and self.line else (self.path or "<rubric>")
        return f"{where}: {self.level} {self.code}" + (f" [{self.rule}]" if self.rule else "") + f": {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "rule": self.rule, "message": self.message,
                "path": self.path, "line": self.line}


def path_of(rule, rubric: Rubric) -> str | None:
    return rule.origin.rsplit(":", 1)[0] if rule.origin else rubric.path

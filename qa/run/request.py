"""What a scoring run is asked to do (:class:`RunRequest`) and what it did (:class:`RunReport`).

``qa score`` turns its options into a request, merges the configuration into it once
(:meth:`RunRequest.with_config`), calls :func:`qa.run.run` and exits with :attr:`RunReport.exit_code`;
a library user builds the same request and gets the same behaviour.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qa.errors import EXIT_GATE_FAILED, EXIT_REJECTED
from qa.ingest.base import ReadOptions
from qa.ingest.limits import DEFAULT as DEFAULT_LIMITS
from qa.ingest.limits import Limits
from qa.plugins.registry import Registry
from qa.rules.rubric.model import Rubric
from qa.run.summary import RejectTally, RunSummary

# request field -> key in qa.toml / [tool.qa]; a field the caller left unset takes the config's value
CONFIG_KEYS = {
    "rubric": "rubric",
    "output_format": "format",
    "input_format": "input-format",
    "select": "select",
    "ignore": "ignore",
    "fail_under": "fail-under",
    "fail_on": "fail-on",
    "jobs": "jobs",
    "scheduler": "scheduler",
    "db": "db",
}


@dataclass
class RunRequest:
    """Everything ``qa score`` can be asked; unset fields take their defaults (or, after
    :meth:`with_config`, the configuration's values)."""

    sources: Sequence[str | os.PathLike]
    rubric: str | os.PathLike | Rubric | None = None  # a name, a path or a loaded rubric
    output: str | None = None              # a file (a directory with ``scheduler``); None or "-": stdout
    output_format: str | None = None       # a reporter name; default jsonl
    rejects: str | None = None             # write rejected records here (JSONL)
    input_format: str | None = None        # default auto: by extension and content
    read_options: ReadOptions = field(default_factory=ReadOptions)
    select: tuple[str, ...] = ()           # rule ids, id prefixes or tags
    ignore: tuple[str, ...] = ()
    fail_under: float | None = None        # the quality gate
    fail_on: str | None = None
    strict: bool = False                   # any reject fails the run (exit code 3)
    jobs: int | None = None                # default: all cores when the inputs are 2 MB or more, else 1
    scheduler: Any = None                  # a Dask scheduler address or client
    resume: bool = False                   # continue an interrupted ``output`` JSONL run
    redact: bool = False                   # personal data out of evidence, messages and rejects
    db: str | None = None                  # also store the run in this history database
    limits: Limits = DEFAULT_LIMITS
    hooks: bool = True                     # call the plugins' observer hooks
    registry: Registry | None = None       # default: the installed plugins (Registry.build())
    commit_every: int | None = None        # checkpoint every N results (default 1000, $QA_CHECKPOINT_EVERY)
    commit_seconds: float = 2.0            # … or every so many seconds

    def with_config(self, config: Mapping[str, Any]) -> RunRequest:
        """This request with every field it leaves unset taken from the configuration (``qa.toml`` or
        ``[tool.qa]``), so options given on the command line win."""
        updates = {}
        for name, key in CONFIG_KEYS.items():
            if key in config and getattr(self, name) in (None, ()):
                value = config[key]
                updates[name] = tuple(value) if name in ("select", "ignore") else value
        if "mapping" in config and self.read_options.mapping is None:
            updates["read_options"] = dataclasses.replace(self.read_options, mapping=config["mapping"])
        return dataclasses.replace(self, **updates)


@dataclass
class RunReport:
    """What a run did: the counts, the rejects, the gate's verdict and where the results went."""

    summary: RunSummary = field(default_factory=RunSummary)
    rejects: RejectTally = field(default_factory=RejectTally)
    gate_failures: list[str] = field(default_factory=list)  # why the quality gate failed (empty: passed)
    strict: bool = False
    resumed_after: int = 0                 # input records an interrupted run had already handled
    output_files: list[str] = field(default_factory=list)  # the result files (Dask: the parts)
    history: Any = None                    # the stored run (qa.store.RunInfo) with ``db``
    rejects_path: str | None = None        # where the rejected records were written, if anywhere

    @property
    def exit_code(self) -> int:
        """ruff's convention: 3 rejects under ``strict``, 1 gate failed or a checker raised, else 0."""
        if self.strict and self.summary.read.rejected:
            return EXIT_REJECTED
        if self.gate_failures or self.summary.errors:
            return EXIT_GATE_FAILED
        return 0

"""Reporters turn score results (or scorecards) into an output format; each registers via qa_reporters."""

from __future__ import annotations

from collections.abc import Mapping

from qa.errors import ConfigError, did_you_mean
from qa.reporters.base import Reporter


def get_reporter(name: str, reporters: Mapping[str, Reporter], kind: str = "results") -> Reporter:
    """The reporter called ``name`` among ``reporters`` (e.g. ``registry.reporters``) that renders ``kind``."""
    fitting = {n: r for n, r in reporters.items() if kind in getattr(r, "kinds", ("results",))}
    if name not in fitting:
        raise ConfigError(f"unknown format {name!r} for {kind}", hint=did_you_mean(name, fitting)
                          or f"available: {', '.join(sorted(fitting))}")
    return fitting[name]

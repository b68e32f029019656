"""Reporters turn score results (or scorecards) into an output format; each registers via qa_reporters."""

from __future__ import annotations

from qa.errors import ConfigError, did_you_mean


def get_reporter(name: str, kind: str = "results"):
    from qa.plugins import registry

    reporters = {n: r for n, r in registry().reporters.items() if kind in getattr(r, "kinds", ("results",))}
    if name not in reporters:
        raise ConfigError(f"unknown format {name!r} for {kind}", hint=did_you_mean(name, reporters)
                          or f"available: {', '.join(sorted(reporters))}")
    return reporters[name]

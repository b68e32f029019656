"""Development sessions: `nox -l` lists them, `nox -s tests` runs one."""

# /// script
# dependencies = ["nox>=2024.4"]
# ///

from __future__ import annotations

import nox

nox.needs_version = ">=2024.4"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = ["3.11"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (the same command as README.md and .ci/run). Extra args go to pytest."""
    session.install("-e", ".[test]", "-e", "plugins/qa-finance")
    session.run("pytest", "-q", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the package, plugins, tests and tools."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "qa", "plugins", "tests", "bench", "tools", *session.posargs)


@nox.session(python=PYTHON)
def rules(session: nox.Session) -> None:
    """Run every shipped rubric's examples (`qa rubric test`) and the rubric tests."""
    session.install("-e", ".[test]")
    for rubric in ("zh-customer-service", "en-customer-service"):
        session.run("qa", "rubric", "test", rubric)
    session.run("pytest", "-q", "tests/rubrics", *session.posargs)


@nox.session(python=PYTHON)
def plugins(session: nox.Session) -> None:
    """Install each first-party plugin like a third party and run its own tests."""
    session.install("-e", ".[test]")
    for plugin in ("plugins/qa-finance",):
        session.install("-e", plugin)
        session.run("pytest", "-q", plugin)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Throughput, scaling, memory and start-up benchmark (prints figures, writes bench-results/*.json)."""
    session.install("-e", ".[test]")
    session.run("python", "bench/bench.py", *session.posargs)


@nox.session(name="bench-history", python=PYTHON, default=False)
def bench_history(session: nox.Session) -> None:
    """Recording 20,000 results in the history on SQLite and PostgreSQL, one and several writers
    (starts a throwaway PostgreSQL server from the machine's binaries, or pass --postgres URL)."""
    session.install("-e", ".[test]")
    session.run("python", "bench/bench_history.py", *session.posargs)

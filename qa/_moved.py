"""Old module paths of qa, kept importable with a DeprecationWarning.

In 0.2 the package was regrouped by stage (docs/ARCHITECTURE.md). Code written against the flat
layout (``import qa.checkers.base``, ``from qa.readers import read_conversations``) keeps working:
an old name resolves to the very same module object as the new one, so classes, ``isinstance`` and
monkeypatching behave as before. The old names go away in 0.3; plugins should import from ``qa``
(``from qa import Checker, Option, hookimpl``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# old module (or package prefix) -> new module; a package entry covers its submodules too.
MOVED = {
    "qa.builtin_plugin": "qa.plugins.builtin",
    "qa.hookspecs": "qa.plugins.hookspecs",
    "qa.rubric": "qa.rules.rubric",
    "qa.checkers": "qa.rules.checkers",
    "qa.text": "qa.rules.text",
    "qa.normalize": "qa.rules.text.normalize",
    "qa.readers.ingest": "qa.ingest.convert",
    "qa.readers": "qa.ingest",
    "qa.limits": "qa.ingest.limits",
    "qa.rejects": "qa.ingest.rejects",
    "qa.prepared": "qa.engine.prepared",
    "qa.scoring": "qa.engine.scoring",
    "qa.runner": "qa.run.runner",
    "qa.executors": "qa.run.executors",
    "qa.checkpoint": "qa.run.checkpoint",
    "qa.redact": "qa.results.redact",
    "qa.scorecard": "qa.results.scorecard",
    "qa.history": "qa.results.history",
    "qa.reviews": "qa.results.reviews",
    "qa.calibrate": "qa.results.calibrate",
    "qa.resultfiles": "qa.results.files",
    "qa.report": "qa.reporters.html_report",
}


def new_name(old: str) -> str | None:
    """The current name of a module that lived at ``old``, or None if it did not move."""
    if old in MOVED:
        return MOVED[old]
    for prefix, target in MOVED.items():
        if old.startswith(prefix + "."):
            return target + old[len(prefix):]
    return None


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old name to the module imported under its new name (the same object)."""

    def find_spec(self, fullname, path=None, target=None):
        new = new_name(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=False)

    def create_module(self, spec):
        new = new_name(spec.name)
        warnings.warn(f"{spec.name} is deprecated; it moved to {new} (import plugin API names from qa: "
                      f"from qa import Checker, Option, hookimpl)", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(new)
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        # importlib stamped the old name's spec on the module; give the module its own back.
        module.__spec__ = module.__spec__.loader_state


def install() -> None:
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())

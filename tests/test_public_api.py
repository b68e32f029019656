"""The stable import surface (``from qa import …``) and the 0.1 module paths, which still import."""

import importlib
import subprocess
import sys
import warnings

import pytest

import qa
from qa._moved import MOVED, new_name


@pytest.mark.parametrize("name", [n for n in qa.__all__ if n != "__version__"])
def test_every_public_name_resolves(name):
    assert getattr(qa, name) is not None


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'Chekcer'"):
        qa.Chekcer  # noqa: B018


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_paths_import_the_same_module_with_a_warning(old):
    """A 0.1 path warns once and gives the very module of the new path (same classes, same state)."""
    code = ("import importlib, warnings\nwarnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            f"    old = importlib.import_module({old!r})\n"
            f"new = importlib.import_module({MOVED[old]!r})\n"
            "print(old is new, old.__spec__.name, any(issubclass(x.category, DeprecationWarning) "
            f"and {MOVED[old]!r} in str(x.message) for x in w))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", MOVED[old], "True"]


def test_old_submodule_of_a_moved_package_is_the_new_submodule():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("qa.checkers.base")
    assert old is importlib.import_module("qa.rules.checkers.base")
    assert old.Checker is qa.Checker
    assert new_name("qa.readers.ingest") == "qa.ingest.convert"
    assert new_name("qa.model") is None


def test_qa_imports_none_of_its_stages():
    """``import qa`` is the facade only (hookimpl and the version); stages load when a name is first used."""
    code = "import sys, qa\nprint(' '.join(sorted(m for m in sys.modules if m.startswith('qa.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["qa._moved", "qa.plugins", "qa.plugins.hookspecs", "qa.version"]

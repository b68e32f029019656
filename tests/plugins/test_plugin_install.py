"""Acceptance: the first-party finance pack and a freshly scaffolded plugin install with pip and work.

Both packages are built and installed by pip (``--no-deps --no-build-isolation --target``, offline) into
a folder, then used from a subprocess as a user would: ``qa plugins list``, ``qa score`` with the pack's
rubric, and each package's own test suite through qa's pytest plugin.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import util
from pathlib import Path

import pytest

from qa.scaffold import create_plugin

ROOT = Path(__file__).resolve().parents[2]


def _can_build_offline() -> bool:
    if util.find_spec("setuptools") is None:
        return False
    import setuptools

    major = int(setuptools.__version__.split(".")[0])
    return major >= 70 or util.find_spec("wheel") is not None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not _can_build_offline(), reason="needs setuptools>=64 with wheel (or setuptools>=70) to build offline")]


def tutorial_files(doc: Path) -> dict[str, str]:
    """The code blocks of docs/plugins.md whose first line names a file (``# src/...``)."""
    files = {}
    for block in re.findall(r"^```(?:python|yaml)\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S):
        first = block.splitlines()[0]
        if re.match(r"^# (src|tests)/\S+$", first):
            files[first[2:]] = block
    return files


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    demo = create_plugin("acme_rules", base).root
    # docs/plugins.md's tutorial, applied to the scaffold as a reader would
    for rel, text in tutorial_files(ROOT / "docs" / "plugins.md").items():
        (demo / rel).parent.mkdir(parents=True, exist_ok=True)
        (demo / rel).write_text(text, encoding="utf-8")
    finance = base / "qa-finance"  # a copy, so the build leaves nothing in the source tree
    shutil.copytree(ROOT / "plugins" / "qa-finance", finance,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    target = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(finance), str(demo)],
                   check=True, capture_output=True, text=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("QA_PLUGINS", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH", "")) if p)
    return {"site": target, "demo": demo, "finance": finance, "env": env, "base": base}


def run(installed, *args, cwd=None):
    return subprocess.run([sys.executable, *args], cwd=cwd or installed["base"], env=installed["env"],
                          capture_output=True, text=True, timeout=300)


def test_installed_plugins_are_listed_with_their_checkers_and_rubrics(installed):
    res = run(installed, "-m", "qa", "plugins", "list", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["finance"]["distribution"] == "qa-finance" and rows["finance"]["version"] == "0.1.0"
    assert rows["finance"]["checkers"] == ["pii_readback", "disclosure"]
    assert "finance-compliance" in rows["finance"]["rubrics"]
    assert rows["acme_rules"]["checkers"] == ["acme_rules_long_reply", "acme_vague_promise"]
    assert rows["acme_rules"]["rubrics"] == ["acme", "acme-rules"]


def test_tutorial_blocks_are_all_applied():
    assert sorted(tutorial_files(ROOT / "docs" / "plugins.md")) == [
        "src/acme_rules/plugin.py", "src/acme_rules/rubrics/acme.yaml", "src/acme_rules/vague_promise.py",
        "tests/cases/acme.qa.yaml", "tests/test_rubric_examples.py", "tests/test_vague_promise.py"]


def test_finance_rubric_scores_from_the_installed_package(installed):
    convs = installed["base"] / "calls.jsonl"
    convs.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in [
        {"id": "sale-1", "turns": [{"role": "agent", "text": "这款理财产品保本保息，年化百分之四"},
                                   {"role": "customer", "text": "那我买了"}]},
        {"id": "verify-1", "turns": [{"role": "agent", "text": "您的卡号6222021234567894对吗"}]},
        {"id": "ok-1", "turns": [{"role": "agent", "text": "您好，请问有什么可以帮您"}]},
    ]), encoding="utf-8")
    res = run(installed, "-m", "qa", "score", str(convs), "-r", "finance-compliance", "-f", "jsonl")
    assert res.returncode == 0, res.stderr
    got = {r["conversation_id"]: sorted(f["rule"] for f in r["findings"]) for r in map(json.loads,
                                                                                        res.stdout.splitlines())}
    assert got == {"sale-1": ["finance.overpromise", "finance.risk_disclosure"],
                   "verify-1": ["finance.pii.bank_card"], "ok-1": []}


def test_scaffolded_plugin_with_the_tutorial_checker_passes_its_own_tests(installed):
    res = run(installed, "-m", "pytest", "-v", "-p", "no:cacheprovider", cwd=installed["demo"])
    assert res.returncode == 0, res.stdout + res.stderr
    for item in ("tests/test_checker.py::test_long_reply_is_flagged_after_the_limit PASSED",
                 "tests/test_rubric_examples.py::test_examples[acme/acme.vague_promise/pass-1] PASSED",
                 "tests/cases/acme.qa.yaml::vague promise, then a concrete one PASSED",
                 "tests/cases/acme-rules.qa.yaml::two long replies in one chat PASSED",
                 "tests/test_vague_promise.py::test_finding_points_at_the_promise PASSED"):
        assert item in res.stdout


def test_finance_pack_passes_its_own_tests(installed):
    res = run(installed, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=installed["finance"])
    assert res.returncode == 0, res.stdout + res.stderr

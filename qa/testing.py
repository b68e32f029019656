"""pytest plugin for rubric and plugin authors (registered through the ``pytest11`` entry point).

Fixtures:
  ``qa_rubric``  ``qa_rubric(name_or_path_or_dict)`` → a loaded :class:`~qa.rules.rubric.Rubric` (a dict is
                 validated like a YAML file, handy for a one-rule rubric in a checker test).
  ``qa_score``   ``qa_score(rubric, text_or_turns_or_conversation, role="agent")`` → the result dict.
  ``qa_plugin``  ``qa_plugin("my_pack.plugin")`` loads a plugin module for one test, as ``--plugin`` does.

Rule examples as tests: ``test_examples = rubric_example_tests("my-rubric")`` in a test module makes
one test per ``examples`` entry of every rule (``pass`` must produce no finding of that rule, ``fail``
at least one), with ids like ``my-rubric/ban.refusal/fail-2``.

Or list rubrics in the pytest configuration and every rule example runs with the project's tests::

    [tool.pytest.ini_options]
    qa_rubrics = ["rubrics/*.yaml"]

Case files: every ``*.qa.yaml`` (or ``*.qa.yml``) file pytest meets becomes test items::

    rubric: my-rubric              # name, or a path relative to this file
    examples: true                 # also run every rule example of the rubric
    cases:
      - name: agent refuses without an alternative
        turns:                     # or `text: ...` (one turn, role: agent), or `conversation: {...}`
          - {role: customer, text: 能退款吗}
          - {role: agent, text: 这个我办不了}
        expect:                    # each must match a finding; no other findings of these rules
          - {rule: ban.refusal, turn: 1, evidence: 办不了, span: [3, 6], message: 办不了}
        absent: [courtesy.apology] # rules that must not fire
        only: false                # true: no finding of any other rule either
        score: 95                  # optional: the expected score (also `passed`, `fatal`)
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qa.engine.compile import compile_rubric
from qa.engine.score import score_conversation
from qa.errors import QAError
from qa.ingest.canonical import conversation_from_dict
from qa.model import Conversation, Turn
from qa.plugins.registry import PluginOptions, Registry
from qa.rules.rubric.examples import example_conversation, iter_examples, run_example
from qa.rules.rubric.loader import build_rubric, load_rubric
from qa.rules.rubric.model import Rubric
from qa.rules.rubric.yamlsafe import line_of, load_yaml

CASE_FILE_PATTERNS = ("*.qa.yaml", "*.qa.yml")
CASE_KEYS = {"name", "text", "role", "turns", "conversation", "expect", "absent", "only", "score", "passed",
             "fatal", "skip"}
EXPECT_KEYS = {"rule", "turn", "span", "evidence", "message", "severity"}
FILE_KEYS = {"rubric", "examples", "cases"}


class CaseError(Exception):
    """A case file is malformed (reported as a collection error naming file and line)."""


# -- turning inputs into conversations -------------------------------------------------------------


def as_conversation(item, role: str = "agent", language: str = "zh", conv_id: str = "example"):
    """A Conversation from a text (one turn of ``role``), a list of turns, or a canonical dict."""

    if isinstance(item, str):
        return Conversation(conv_id, [Turn(role, item)], language=language)
    if isinstance(item, (list, tuple)):
        turns = [{"role": t[0], "text": t[1]} if isinstance(t, (list, tuple)) else t for t in item]
        return conversation_from_dict({"id": conv_id, "language": language, "turns": turns})
    if isinstance(item, dict):
        return conversation_from_dict({"id": conv_id, "language": language, **item})
    return item


def load(rubric, base: str | os.PathLike | None = None, *, registry: Registry):
    """A Rubric from a Rubric, a name, a path (relative to ``base``'s folder if given) or a dict, with
    the checkers and rubric search paths of ``registry``."""
    if isinstance(rubric, Rubric):
        return rubric
    if isinstance(rubric, dict):
        return build_rubric(rubric, "<inline rubric>", checkers=registry.checkers)
    search_paths = registry.rubric_search_paths()
    if base is not None:
        candidate = Path(base).parent / str(rubric)
        if candidate.is_file():
            return load_rubric(candidate, checkers=registry.checkers, search_paths=search_paths)
    return load_rubric(rubric, checkers=registry.checkers, search_paths=search_paths)


_COMPILED: dict[tuple, Any] = {}


def compiled(rubric, registry: Registry, report_all: bool = False):
    """The rubric compiled with ``registry``'s checkers, cached by rubric hash and the checker classes in use;
    ``report_all`` also reports helper rules (``report: false``), for running their own examples."""
    checkers = registry.checkers
    key = (rubric.id, rubric.hash, rubric.path, tuple(sorted((k, id(v)) for k, v in checkers.items())), report_all)
    if key not in _COMPILED:
        _COMPILED[key] = compile_rubric(rubric, checkers, embedders=registry.embedders, report_all=report_all)
    return _COMPILED[key]


def session_registry(config: pytest.Config) -> Registry:
    """The registry test collection uses: the installed plugins, built once per pytest session."""
    reg = config.stash.get(_REGISTRY, None)
    if reg is None:
        reg = config.stash[_REGISTRY] = Registry.build(PluginOptions.from_env())
    return reg


_REGISTRY = pytest.StashKey[Registry]()


# -- describing results (the failure messages) --------------------------------------------------


def describe_conversation(conv) -> str:
    return "\n".join(f"    [{i}] {t.role}: {t.text}" for i, t in enumerate(conv.turns))


def describe_finding(f: dict) -> str:
    where = f"turn {f['turn']}" if f.get("turn") is not None else "conversation"
    if f.get("span"):
        where += f" span {f['span']}"
    ev = f" “{f['evidence']}”" if f.get("evidence") else ""
    return f"{f['rule']} ({f['severity']}) at {where}{ev}: {f['message']}"


def describe_result(result: dict, rule_id: str | None = None) -> str:
    lines = []
    others = [f for f in result["findings"] if rule_id is None or f["rule"] != rule_id]
    if rule_id is not None:
        mine = [f for f in result["findings"] if f["rule"] == rule_id]
        lines.append(f"  findings of {rule_id}: " + ("none" if not mine else ""))
        lines += [f"    - {describe_finding(f)}" for f in mine]
        if rule_id in result.get("not_applicable_reasons", {}):
            lines.append(f"  {rule_id} was not applicable: {result['not_applicable_reasons'][rule_id]}")
    if others:
        lines.append("  other findings:" if rule_id else "  findings:")
        lines += [f"    - {describe_finding(f)}" for f in others]
    for err in result.get("errors", []):
        lines.append(f"  checker error in rule {err['rule']} ({err['checker']}): {err['error']}")
        lines += ["      " + ln for ln in err.get("traceback", "").rstrip().splitlines()]
    lines.append(f"  score {result['score']:g}, passed {result['passed']}, fatal {result['fatal']}")
    return "\n".join(lines)


# -- rule examples ---------------------------------------------------------------------------------


@dataclass
class ExampleCase:
    """One ``examples`` entry of one rule of a rubric."""

    rubric: Any
    rule: Any
    example: Any
    index: int
    registry: Registry

    @property
    def id(self) -> str:
        return f"{self.rubric.id}/{self.rule.id}/{self.example.kind}-{self.index}"

    @property
    def location(self) -> str:
        line = self.example.line if self.example.line is not None else self.rule.line
        return f"{self.rubric.path}:{line}" if line is not None else str(self.rubric.path)

    def conversation(self):
        """The conversation the example stands for (as ``qa rubric test`` builds it)."""

        return example_conversation(self.rubric, self.rule, self.example)

    def run(self) -> tuple[bool, str]:
        """Run the example the way ``qa rubric test`` does; returns (ok, message explaining a failure)."""

        res = run_example(self.rubric, compiled(self.rubric, self.registry, report_all=True), self.rule, self.example,
                          self.index)
        if res.ok:
            return True, ""
        conv = self.conversation()
        lines = [f"{self.location}: rubric {self.rubric.id} {self.rubric.version}, rule {self.rule.id} "
                 f"({self.rule.checker}), {self.example.kind} example {self.index}: {res.message}",
                 "  conversation:", describe_conversation(conv),
                 f"  findings of {self.rule.id}: " + ("none" if not res.findings else "")]
        lines += [f"    - {describe_finding(f)}" for f in res.findings]
        if res.not_applicable:
            lines.append(f"  {self.rule.id} was not applicable: {res.not_applicable}")
        return False, "\n".join(lines)


def example_cases(rubric, registry: Registry) -> list[ExampleCase]:
    """Every example of every active rule of a rubric (inherited rules included), one pytest item each.

    The verdict comes from :mod:`qa.rules.rubric.examples`, so pytest and ``qa rubric test`` agree."""

    out = []
    for rule in rubric.active_rules:
        for index, ex in iter_examples(rule):
            out.append(ExampleCase(rubric, rule, ex, index, registry))
    return out


def run_rubric_examples(rubric, registry: Registry | None = None) -> list[tuple[ExampleCase, bool, str]]:
    """Run every rule example of a rubric; a library entry point for ``qa rubric test``-like tools."""
    reg = registry if registry is not None else Registry.build(PluginOptions.from_env())
    return [(case, *case.run()) for case in example_cases(load(rubric, registry=reg), reg)]


def _expand(spec) -> list[str]:
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and any(c in spec for c in "*?[")):
        matches = sorted(glob.glob(os.fspath(spec)))
        return matches
    return [os.fspath(spec)]


def rubric_example_tests(*rubrics):
    """A pytest test function running every rule example of these rubrics (names, paths or globs).

    Use it as a module attribute whose name starts with ``test``::

        test_rubric_examples = rubric_example_tests("rubrics/*.yaml")

    A rubric that fails to load becomes one failing test carrying the loader's message.
    """
    reg = Registry.build(PluginOptions.from_env())
    params = []
    for spec in rubrics:
        for name in _expand(spec):
            try:
                r = load(name, registry=reg)
            except QAError as exc:
                params.append(pytest.param(("error", str(exc)), id=f"{Path(name).stem}/load"))
                continue
            for case in example_cases(r, reg):
                params.append(pytest.param(("case", case), id=case.id))

    @pytest.mark.parametrize("qa_example", params)
    def test_rubric_example(qa_example):
        what, payload = qa_example
        if what == "error":
            pytest.fail(f"rubric failed to load: {payload}", pytrace=False)
        ok, msg = payload.run()
        if not ok:
            pytest.fail(msg, pytrace=False)

    return test_rubric_example


# -- case files ------------------------------------------------------------------------------------


def _case_error(msg: str, path, node=None, key=None) -> CaseError:
    line = line_of(node, key) if node is not None else None
    return CaseError(f"{path}:{line}: {msg}" if line else f"{path}: {msg}")


def parse_case_file(path: Path) -> tuple[Any, list[dict]]:
    """Validate a case file; returns (the parsed mapping, its cases)."""

    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except QAError as exc:
        raise CaseError(str(exc)) from None
    if not isinstance(data, dict) or "rubric" not in data:
        raise _case_error("a case file is a mapping with `rubric` and `cases` (and/or `examples: true`)", path)
    for key in data:
        if key not in FILE_KEYS:
            raise _case_error(f"unknown key {key!r}; allowed: {sorted(FILE_KEYS)}", path, data, key)
    cases = data.get("cases", [])
    if not isinstance(cases, list):
        raise _case_error("cases must be a list", path, data, "cases")
    for i, case in enumerate(cases):
        if not isinstance(case, dict):
            raise _case_error(f"cases[{i}] must be a mapping", path, data, "cases")
        for key in case:
            if key not in CASE_KEYS:
                raise _case_error(f"cases[{i}]: unknown key {key!r}; allowed: {sorted(CASE_KEYS)}", path, case, key)
        if sum(k in case for k in ("text", "turns", "conversation")) != 1:
            raise _case_error(f"cases[{i}] needs exactly one of text, turns, conversation", path, case)
        expect = case.get("expect", [])
        if not isinstance(expect, list):
            raise _case_error(f"cases[{i}].expect must be a list", path, case, "expect")
        for j, e in enumerate(expect):
            if not isinstance(e, dict) or "rule" not in e:
                raise _case_error(f"cases[{i}].expect[{j}] must be a mapping with a rule id", path, case, "expect")
            bad = set(e) - EXPECT_KEYS
            if bad:
                raise _case_error(f"cases[{i}].expect[{j}]: unknown key {sorted(bad)[0]!r}; "
                                  f"allowed: {sorted(EXPECT_KEYS)}", path, e, sorted(bad)[0])
    return data, cases


def _matches(expected: dict, f: dict) -> bool:
    for key, want in expected.items():
        got = f.get(key)
        if key == "message":
            if str(want) not in (got or ""):
                return False
        elif key == "span":
            if got is None or list(got) != list(want):
                return False
        elif got != want:
            return False
    return True


def check_case(case: dict, result: dict) -> list[str]:
    """Problems with a scored case against its expectations (empty = the case passes)."""
    problems = []
    findings = list(result["findings"])
    expected = case.get("expect", [])
    unmatched = list(findings)
    for e in expected:
        hit = next((f for f in unmatched if _matches(e, f)), None)
        if hit is None:
            problems.append(f"expected finding not produced: {dict(e)}")
        else:
            unmatched.remove(hit)
    strict_rules = {e["rule"] for e in expected} | set(case.get("absent", []))
    for f in unmatched:
        if case.get("only") or f["rule"] in strict_rules:
            problems.append(f"unexpected finding: {describe_finding(f)}")
    for key in ("score", "passed", "fatal"):
        if key in case and result[key] != case[key]:
            problems.append(f"expected {key} {case[key]!r}, got {result[key]!r}")
    for err in result.get("errors", []):
        problems.append(f"checker error in rule {err['rule']}: {err['error']}")
    return problems


class CaseFile(pytest.File):
    """A ``*.qa.yaml`` file: one item per case, plus the rubric's rule examples with ``examples: true``."""

    def collect(self):
        try:
            data, cases = parse_case_file(self.path)
        except CaseError as exc:
            raise self.CollectError(str(exc)) from None

        try:
            registry = session_registry(self.config)
            rubric = load(data["rubric"], base=self.path, registry=registry)
        except QAError as exc:
            raise self.CollectError(f"{self.path}: {exc}") from None
        for i, case in enumerate(cases):
            name = str(case.get("name") or f"case-{i}")
            item = CaseItem.from_parent(self, name=name, rubric=rubric, case=case, index=i,
                                        registry=registry)
            if case.get("skip"):
                item.add_marker(pytest.mark.skip(reason=str(case["skip"])))
            yield item
        if data.get("examples"):
            for ex in example_cases(rubric, registry):
                yield ExampleItem.from_parent(self, name=ex.id, case=ex)


class CaseItem(pytest.Item):
    def __init__(self, *, rubric, case, index, registry, **kw):
        super().__init__(**kw)
        self.rubric = rubric
        self.case = case
        self.index = index
        self.registry = registry

    def runtest(self):
        c = self.case
        lang = self.rubric.language
        cid = f"{self.path.name}#{self.name}"
        if "text" in c:
            conv = as_conversation(str(c["text"]), role=c.get("role", "agent"), language=lang, conv_id=cid)
        elif "turns" in c:
            conv = as_conversation(list(c["turns"]), language=lang, conv_id=cid)
        else:
            conv = as_conversation({"id": cid, **c["conversation"]}, language=lang, conv_id=cid)
        result = score_conversation(conv, compiled(self.rubric, self.registry))
        problems = check_case(c, result)
        if problems:
            raise CaseFailure(self, conv, result, problems)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)

        if isinstance(excinfo.value, QAError):
            return f"{self.path}: case {self.name!r}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        line = line_of(self.case)
        return self.path, (line - 1 if line else 0), f"case {self.name}"


class CaseFailure(Exception):
    def __init__(self, item, conv, result, problems):
        line = line_of(item.case)
        head = f"{item.path}:{line}: case {item.name!r} (rubric {item.rubric.id} {item.rubric.version})"
        body = "\n".join(f"  ✗ {p}" for p in problems)
        super().__init__(f"{head}\n{body}\n  conversation:\n{describe_conversation(conv)}\n"
                         + describe_result(result))


class ExampleItem(pytest.Item):
    def __init__(self, *, case: ExampleCase, **kw):
        super().__init__(**kw)
        self.case = case

    def runtest(self):
        ok, msg = self.case.run()
        if not ok:
            raise ExampleFailure(msg)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"example {self.case.id} ({self.case.location})"


class ExampleFailure(Exception):
    pass


class RubricFile(pytest.File):
    """A rubric named by the ``qa_rubrics`` ini option: one item per rule example."""

    def collect(self):
        registry = session_registry(self.config)
        try:
            rubric = load(self.path, registry=registry)
        except QAError as exc:
            yield RubricLoadItem.from_parent(self, name="load", error=str(exc))
            return
        for ex in example_cases(rubric, registry):
            yield ExampleItem.from_parent(self, name=ex.id, case=ex)


class RubricLoadItem(pytest.Item):
    def __init__(self, *, error: str, **kw):
        super().__init__(**kw)
        self.error = error

    def runtest(self):
        raise ExampleFailure(f"rubric failed to load: {self.error}")

    def repr_failure(self, excinfo):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, f"rubric {self.path.name}"


def pytest_addoption(parser):
    parser.addini("qa_case_files", type="args", default=list(CASE_FILE_PATTERNS),
                  help="glob patterns of qa case files to collect (default: *.qa.yaml *.qa.yml)")
    parser.addini("qa_rubrics", type="args", default=[],
                  help="rubric files (globs relative to the rootdir) whose rule examples run as tests")


def pytest_collect_file(file_path: Path, parent):
    patterns = parent.config.getini("qa_case_files")
    if any(fnmatch.fnmatch(file_path.name, pat) for pat in patterns):
        return CaseFile.from_parent(parent, path=file_path)
    return None


def _rubrics_requested(config, path: Path) -> bool:
    """With explicit arguments, a rubric's examples run only if an argument names it or a folder above it."""
    if getattr(config, "args_source", None) != pytest.Config.ArgsSource.ARGS:
        return True
    for arg in config.args:
        target = Path(arg.split("::")[0]).resolve()
        if target == path or target in path.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Add the rule examples of the ``qa_rubrics`` rubrics (before -k/-m selection runs)."""
    seen = {item.path for item in items if isinstance(item, ExampleItem)}
    for spec in config.getini("qa_rubrics"):
        for path in sorted(config.rootpath.glob(spec)):
            path = path.resolve()
            if path in seen or not _rubrics_requested(config, path):
                continue
            seen.add(path)
            items.extend(RubricFile.from_parent(session, path=path).collect())


# -- fixtures --------------------------------------------------------------------------------------


class _TestRegistry:
    """The registry one test uses: the installed plugins, plus what ``qa_plugin`` loads for the test."""

    def __init__(self):
        self.registry = Registry.build(PluginOptions.from_env())


@pytest.fixture
def qa_registry() -> _TestRegistry:
    """This test's plugin registry (``qa_registry.registry``); ``qa_plugin`` replaces it for the test."""
    return _TestRegistry()


@pytest.fixture
def qa_rubric(qa_registry):
    """Load a rubric by name, path or dict (a dict is validated like a YAML rubric)."""

    def _load(rubric, base: str | os.PathLike | None = None):
        return load(rubric, base, registry=qa_registry.registry)

    return _load


@pytest.fixture
def qa_score(qa_registry):
    """Score a text (one turn), a list of ``(role, text)`` turns or a conversation dict against a rubric
    name, path, dict or Rubric; returns the result dict (docs/format.md)."""
    cache = {}

    def _score(rubric, item, role: str = "agent", **compile_options):
        reg = qa_registry.registry
        r = load(rubric, registry=reg)
        if compile_options:
            key = (r.id, r.hash, id(reg), tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                                                        for k, v in compile_options.items())))
            if key not in cache:
                cache[key] = compile_rubric(r, reg.checkers, embedders=reg.embedders, **compile_options)
            comp = cache[key]
        else:
            comp = compiled(r, reg)
        return score_conversation(as_conversation(item, role, r.language), comp)

    return _score


@pytest.fixture
def qa_plugin(qa_registry):
    """Load plugin modules for this test, as ``qa --plugin MODULE`` does; returns the test's registry."""

    def _load(*modules: str) -> Registry:
        qa_registry.registry = Registry.build(PluginOptions.from_env(modules=modules))
        return qa_registry.registry

    return _load

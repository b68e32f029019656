"""docs/hooks.md is generated from qa/plugins/hookspecs.py: every hook has its section, and the page is current."""

import importlib.util
import inspect
import re
from pathlib import Path

from qa import Registry
from qa.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hooks.md"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_hook_docs", ROOT / "tools" / "gen_hook_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_hook_has_a_documented_section_with_its_signature():
    text = DOC.read_text(encoding="utf-8")
    hooks = [name for name in dir(Registry.build().hook) if name.startswith("qa_")]
    assert len(hooks) >= 8
    for name in hooks:
        spec = getattr(hookspecs, name)
        assert spec.__doc__ and len(inspect.cleandoc(spec.__doc__)) > 40, f"{name} needs a docstring"
        args = ", ".join(inspect.signature(spec).parameters)
        assert re.search(rf"^### {name}\n\n```python\n@hookimpl\ndef {name}\({re.escape(args)}\):", text, re.M), \
            f"docs/hooks.md has no section for {name}({args})"
        for param in inspect.signature(spec).parameters:
            assert f"- **`{param}`**:" in text.split(f"### {name}\n")[1].split("\n### ")[0], \
                f"{name}: argument {param} is not documented"


def test_hook_docs_are_current():
    assert DOC.read_text(encoding="utf-8") == _generator().render(hookspecs), \
        "docs/hooks.md is stale: run python tools/gen_hook_docs.py"


def test_generator_renders_rst_roles_and_fields_as_markdown():
    gen = _generator()
    assert gen.rst_to_md(":param run: a dict\n    with counts.\n:return: a :class:`pathlib.Path`.") == \
        "- **`run`**: a dict with counts.\n- **returns**: a `pathlib.Path`."

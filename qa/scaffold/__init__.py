"""``qa plugins new``: write a plugin package from the template in ``template/``.

Every file under ``template/`` ends in ``.tmpl``; ``__pkg__`` and ``__rubric__`` in paths and
``{{pkg}}``, ``{{dist}}``, ``{{ep}}``, ``{{rubric}}``, ``{{checker}}``, ``{{qa_version}}`` in contents are
replaced. The result installs with ``pip install -e`` and passes its own tests.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import ConfigError

TEMPLATE = Path(__file__).resolve().parent / "template"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass
class Names:
    pkg: str        # import name: demo_pack
    dist: str       # distribution and folder name: qa-demo-pack
    ep: str         # entry-point (plugin) name: demo_pack
    rubric: str     # rubric id: demo-pack
    checker: str    # checker name: demo_pack_long_reply

    @classmethod
    def from_name(cls, name: str) -> Names:
        if not _NAME.match(name):
            raise ConfigError(f"plugin name {name!r} is not usable",
                              hint="use letters, digits, '_' or '-', starting with a letter (e.g. demo_pack)")
        base = re.sub(r"^qa[-_]", "", name.lower()).replace("-", "_")
        if not base or keyword.iskeyword(base) or base in sys.stdlib_module_names or base in ("qa", "test", "tests"):
            raise ConfigError(f"plugin name {name!r} would make a package named {base!r}, which clashes with an "
                              "existing module", hint="choose another name, e.g. acme_rules")
        return cls(pkg=base, dist="qa-" + base.replace("_", "-"), ep=base, rubric=base.replace("_", "-"),
                   checker=f"{base}_long_reply")


@dataclass
class Created:
    root: Path
    files: list[str] = field(default_factory=list)


def render(text: str, names: Names) -> str:
    from qa.version import __version__

    values = {**names.__dict__, "qa_version": __version__}
    out = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)
    return out


def create_plugin(name: str, directory: str | Path = ".") -> Created:
    """Write the package for plugin ``name`` into ``directory/<dist>``; refuses to overwrite."""
    names = Names.from_name(name)
    root = Path(directory) / names.dist
    if root.exists() and any(root.iterdir()):
        raise ConfigError("folder already exists and is not empty", path=str(root),
                          hint="choose another name or --dir")
    created = Created(root)
    for src in sorted(TEMPLATE.rglob("*.tmpl")):
        rel = src.relative_to(TEMPLATE).as_posix()[: -len(".tmpl")]
        rel = rel.replace("__pkg__", names.pkg).replace("__rubric__", names.rubric)
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(render(src.read_text(encoding="utf-8"), names), encoding="utf-8")
        created.files.append(rel)
    return created

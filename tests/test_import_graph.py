"""qa's modules import each other without circles — counting imports inside functions too.

Every ``import qa.x`` / ``from qa.x import y`` in the package is an edge, wherever it is written (an
import inside a function still runs, just later); so is the package ``__init__`` that importing a
submodule executes. Imports under ``if TYPE_CHECKING:`` never run and do not count. A circle means two
modules can only be loaded in one order, usually hidden by moving an import into a function: give the
shared piece its own module instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qa"


def module_names() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "scaffold" in path.relative_to(PACKAGE).parts[:1]:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """``(imported module, line, inside a function)`` for every import of a qa module in ``path``."""
    found: list[tuple[str, int, bool]] = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for stmt in child.orelse:
                    visit_one(stmt, in_function)
                continue
            visit_one(child, in_function)

    def visit_one(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno, in_function) for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                if target in modules:
                    found.append((target, node.lineno, in_function))
        visit(node, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [(t, line, f) for t, line, f in found if t != name]


def import_graph() -> dict[str, set[str]]:
    """module -> the qa modules loading it loads: what it imports and those modules' packages."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target, _, _ in imports_of(name, path, modules):
            edges.add(target)
            parts = target.split(".")
            for k in range(1, len(parts)):
                package = ".".join(parts[:k])
                if package in modules and not name.startswith(package + "."):
                    edges.add(package)  # importing qa.a.b runs qa/a/__init__.py (not an ancestor of ours)
        graph[name] = edges - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_the_check_sees_a_circle_through_a_function_level_import():
    graph = import_graph()
    graph["qa.model"] = graph["qa.model"] | {"qa.engine.score"}  # as if qa.model imported the engine in a function
    [circle] = circles(graph)
    assert {"qa.model", "qa.engine.score"} <= set(circle)


def test_function_level_imports_are_counted():
    """The builtin plugin imports its checkers inside ``qa_checkers`` (so ``qa --help`` does not): still an edge."""
    modules = module_names()
    edges = imports_of("qa.plugins.builtin", modules["qa.plugins.builtin"], modules)
    assert ("qa.rules.checkers.phrase", True) in {(target, inside) for target, _, inside in edges}

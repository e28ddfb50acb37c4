"""The configuration modules import each other in one direction, at the top of each module."""

from __future__ import annotations

import ast
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[2] / "runner"
MODULES = ("config", "config_values", "config_yaml", "config_section", "experiment_config", "nni_config",
           "own_config")  # fmt: skip


def _imports(name: str) -> tuple[set[str], list[int]]:
    """(the runner modules ``name`` imports at its top, the lines of imports inside functions)."""
    tree = ast.parse((RUNNER / f"{name}.py").read_text())
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nniannot.runner"):
            module = node.module or ""
            top |= {a.name for a in node.names} if module == "nniannot.runner" else {module.split(".")[2]}
    nested = [
        inner.lineno
        for func in ast.walk(tree)
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        for inner in ast.walk(func)
        if isinstance(inner, (ast.Import, ast.ImportFrom))
    ]
    return top & set(MODULES), nested


def test_no_function_level_imports():
    assert {name: _imports(name)[1] for name in MODULES if _imports(name)[1]} == {}


def test_the_import_graph_has_no_cycle():
    graph = {name: _imports(name)[0] for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name not in done:
            for dep in graph[name]:
                visit(dep, (*path, name))
            done.add(name)

    for name in MODULES:
        visit(name, ())

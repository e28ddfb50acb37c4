"""The packages keep the dependency direction of the design, and no two modules import each other.

Read with the standard library's ast from every .py file of the repository folders nniannot/ (its symlinked
subfolders are not followed: they are the folders below), transformer/, runner/ and viewer/, named as they
install (runner/x.py is nniannot.runner.x). Every import statement counts: at module level, inside a
function, under ``if TYPE_CHECKING:``, absolute or relative. Each failure names file:line and the import.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# repository folder -> the package it installs as
FOLDERS = {
    "nniannot": "nniannot",
    "transformer": "nniannot.transformer",
    "runner": "nniannot.runner",
    "viewer": "nniannot.viewer",
}
BARE_NAMES = ("transformer", "runner", "viewer")
CLI = "nniannot.cli"
TRANSFORMER, RUNNER, VIEWER = "nniannot.transformer", "nniannot.runner", "nniannot.viewer"
STORE = "nniannot.runner.store"


@dataclass(frozen=True)
class Import:
    """One module named by one import statement."""

    file: str  # relative to the repository
    line: int
    statement: str
    source: str  # the importing module
    target: str  # the imported module, relative imports resolved
    written: str  # the module name as written, before resolution ("" for a relative import)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: `{self.statement}` imports {self.target}"


def _python_files(folder: Path) -> Iterator[Path]:
    # os.walk does not descend into symlinked folders unless asked: nniannot/runner is scanned as runner/.
    for directory, subdirs, files in os.walk(folder, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        yield from (Path(directory) / f for f in sorted(files) if f.endswith(".py"))


def _module_name(path: Path, folder: str) -> str:
    parts = [*FOLDERS[folder].split("."), *path.relative_to(ROOT / folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _files() -> dict[str, Path]:
    """Module name -> its file, for every scanned file."""
    found: dict[str, Path] = {}
    for folder in FOLDERS:
        for path in _python_files(ROOT / folder):
            name = _module_name(path, folder)
            assert name not in found, f"{name} is both {found[name]} and {path}"
            found[name] = path
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of ``name`` that is a scanned module (``name`` itself for outside modules)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return name


def _base(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The module a ``from ... import`` reads from, with its dots resolved against ``module``."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, node.module] if node.module else package)


def _targets(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> Iterator[tuple[str, str]]:
    """(resolved target, name as written) for each module the statement imports."""
    modules = _files()
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield _resolve(alias.name, modules), alias.name
        return
    base = _base(node, module, path)
    written = node.module if node.level == 0 and node.module else ""
    for alias in node.names:
        # `from package import name` imports the submodule package.name when there is one
        yield _resolve(f"{base}.{alias.name}" if base else alias.name, modules), written


def _imports_of(module: str, path: Path) -> Iterator[Import]:
    source = path.read_text(encoding="utf-8")
    relative = str(path.relative_to(ROOT))
    for node in ast.walk(ast.parse(source, filename=relative)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            statement = ast.unparse(node)
            for target, written in _targets(node, module, path):
                yield Import(relative, node.lineno, statement, module, target, written)


@cache
def _imports() -> tuple[Import, ...]:
    found = [imp for module, path in _files().items() for imp in _imports_of(module, path)]
    return tuple(sorted(found, key=lambda imp: (imp.file, imp.line, imp.target)))


def _layer(module: str) -> str:
    """cli, transformer, runner, viewer, or core (the rest of nniannot); "" for modules outside nniannot.

    ``nniannot.__main__`` (``python -m nniannot``) is the command line's other entry point: part of the CLI.
    """
    if module == "nniannot.__main__":
        return "cli"
    for package in (CLI, TRANSFORMER, RUNNER, VIEWER):
        if _within(module, package):
            return package.rsplit(".", 1)[1]
    return "core" if _within(module, "nniannot") else ""


def _report(violations: list[Import], rule: str) -> str:
    return f"{rule}; {len(violations)} import(s) break it:\n" + "\n".join(map(str, violations))


def _check(rule: str, broken: list[Import]) -> None:
    if broken:
        pytest.fail(_report(broken, rule), pytrace=False)


def test_every_folder_is_scanned_and_each_module_once() -> None:
    files = _files()
    assert {_layer(m) for m in files} == {"cli", "core", "transformer", "runner", "viewer"}
    assert "nniannot.runner.tuners.encoding" in files
    assert "nniannot.runner.runner" not in files


def test_no_file_imports_the_bare_folder_names() -> None:
    broken = [i for i in _imports() if i.written.split(".")[0] in BARE_NAMES]
    _check("the folders install as nniannot.transformer/runner/viewer, never as bare names", broken)


def test_nniannot_core_imports_no_transformer_runner_or_viewer() -> None:
    broken = [
        i
        for i in _imports()
        if _layer(i.source) == "core" and _layer(i.target) in ("transformer", "runner", "viewer")
    ]
    _check("nniannot outside nniannot.cli imports none of transformer, runner, viewer", broken)


def test_transformer_imports_only_nniannot_core_and_itself() -> None:
    broken = [
        i
        for i in _imports()
        if _layer(i.source) == "transformer" and _layer(i.target) in ("runner", "viewer", "cli")
    ]
    _check("nniannot.transformer imports only nniannot's core and itself", broken)


def test_runner_imports_neither_viewer_nor_cli() -> None:
    broken = [i for i in _imports() if _layer(i.source) == "runner" and _layer(i.target) in ("viewer", "cli")]
    _check("nniannot.runner imports neither nniannot.viewer nor nniannot.cli", broken)


def test_viewer_imports_only_the_store_and_nniannot_core() -> None:
    allowed = ("core", "viewer")
    broken = [
        i
        for i in _imports()
        if _layer(i.source) == "viewer"
        and _layer(i.target)
        and _layer(i.target) not in allowed
        and not _within(i.target, STORE)
    ]
    _check("nniannot.viewer imports only nniannot.runner.store and nniannot's core", broken)


def test_nothing_outside_the_cli_imports_the_cli() -> None:
    broken = [i for i in _imports() if _layer(i.source) != "cli" and _layer(i.target) == "cli"]
    _check("nothing outside nniannot.cli imports nniannot.cli", broken)


def _graph() -> dict[str, dict[str, Import]]:
    """module -> {imported scanned module -> the first import of it}."""
    graph: dict[str, dict[str, Import]] = {m: {} for m in _files()}
    for imp in _imports():
        if imp.target in graph and imp.target != imp.source:
            graph[imp.source].setdefault(imp.target, imp)
    return graph


def _components(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """The strongly connected components (Tarjan) with more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while not members or members[-1] != node:
                members.append(stack.pop())
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _shortest_cycle(graph: dict[str, dict[str, Import]], members: list[str]) -> list[Import]:
    """The imports of a shortest cycle through the first member, inside its component."""
    start, inside = members[0], set(members)
    came: dict[str, Import] = {}
    frontier = [start]
    while frontier and start not in came:
        step = []
        for node in frontier:
            for nxt, imp in sorted(graph[node].items()):
                if nxt in inside and nxt not in came:
                    came[nxt] = imp
                    step.append(nxt)
        frontier = step
    path = [came[start]]
    while path[-1].source != start:
        path.append(came[path[-1].source])
    return path[::-1]


def _describe(graph: dict[str, dict[str, Import]], members: list[str]) -> str:
    cycle = _shortest_cycle(graph, members)
    loop = " -> ".join([cycle[0].source, *(i.target for i in cycle)])
    steps = "\n".join(f"    {i}" for i in cycle)
    return f"  {members}\n    e.g. {loop}:\n{steps}"


def test_no_import_cycle_between_modules() -> None:
    graph = _graph()
    cycles = _components(graph)
    if cycles:
        described = "\n".join(_describe(graph, members) for members in cycles)
        pytest.fail(f"{len(cycles)} group(s) of modules import each other:\n{described}", pytrace=False)

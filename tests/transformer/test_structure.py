"""The transformer's modules import one another without cycles.

Every import counts, wherever it stands: module level, inside a function, or under ``TYPE_CHECKING``
(an import moved into a function only to dodge a cycle still ties the two modules together).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import nniannot.transformer

PACKAGE = "nniannot.transformer"
FOLDER = Path(nniannot.transformer.__file__).resolve().parent


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The transformer modules that ``path`` imports (the package ``__init__`` itself not counted)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(n.removeprefix(f"{PACKAGE}.") for n in names if n.removeprefix(f"{PACKAGE}.") in modules)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {p.stem: p for p in FOLDER.glob("*.py") if p.stem != "__init__"}
    return {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == path[0]:
                cycles.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest module
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def test_the_transformer_modules_have_no_import_cycle() -> None:
    graph = _graph()
    assert {"parse", "samplers", "layers", "core"} <= set(graph)
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize("command", ["ss_gen", "expand"])
def test_ss_gen_and_expand_do_not_import_libcst(tmp_path: Path, command: str) -> None:
    (tmp_path / "train.py").write_text("'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nniannot", command, "train.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "nniannot.transformer.core" in imported
    assert not [name for name in imported if name.split(".")[0] == "libcst"]

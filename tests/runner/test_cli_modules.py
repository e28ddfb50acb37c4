"""The CLI package's shape: one composition root, modules by concern, no private imports or cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import nniannot

ROOT = Path(nniannot.__file__).resolve().parent.parent
CLI = ROOT / "nniannot" / "cli"
MAX_LINES = 300


def _imports(path: Path) -> list[tuple[str, list[str], bool]]:
    """(module, names, at module level) of every ``from X import ...`` and ``import X`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names], id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], id(node) in top) for a in node.names]
    return found


def test_cli_modules_import_no_private_names_of_each_other():
    for path in CLI.glob("*.py"):
        for module, names, _ in _imports(path):
            if module.startswith("nniannot.cli"):
                private = [n for n in names if n.startswith("_")]
                assert not private, f"{path.name} imports {private} from {module}"


def test_no_import_cycle_between_cli_modules():
    edges = {
        path.stem: {m.rsplit(".", 1)[-1] for m, _, _ in _imports(path) if m.startswith("nniannot.cli.")}
        for path in CLI.glob("*.py")
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges.get(start, ())
        )

    cyclic = [name for name in edges if reaches(name, name, set())]
    assert not cyclic, f"import cycle through {cyclic}"


def test_nothing_outside_the_cli_imports_it():
    for folder in ("nniannot", "runner", "transformer", "viewer"):
        for path in (ROOT / folder).rglob("*.py"):
            if CLI in path.resolve().parents or path.name == "__main__.py":
                continue
            users = [m for m, _, _ in _imports(path) if m == "nniannot.cli" or m.startswith("nniannot.cli.")]
            assert not users, f"{path} imports {users}"


def test_cli_modules_are_split_by_concern():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in CLI.glob("*.py")}
    assert {"common.py", "runs.py", "manage.py"} <= sizes.keys()
    assert all(n <= MAX_LINES for n in sizes.values()), sizes

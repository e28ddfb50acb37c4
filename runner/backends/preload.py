"""What a trial's code imports of installed packages at its top level: what a spare may import ahead of it.

Found statically from the experiment's code snapshot (the entry script and the project modules it
imports): only ``import x`` / ``from x import y`` statements at a module's top level, not inside ``if``,
``try``, functions or classes, of packages installed in site-packages that are neither the standard
library, nor the project's own modules, nor ``nni`` (a trial may get nni-annot's shim for it). Importing
those costs every cold trial the same seconds (``import torch`` alone is about 1-3 s); a spare that has
already imported them gives the trial those seconds back.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Sequence
from importlib.machinery import PathFinder

from nniannot import launch
from nniannot.snapshot import Snapshot, SnapshotError

_NEVER = frozenset({"nni", "nniannot", "__future__"})


def heavy_imports(command: Sequence[str]) -> tuple[str, ...]:
    """The dotted modules to import ahead of a ``python -m nniannot.launch`` trial command, in order.

    Empty for any other command, or when the snapshot cannot be read (the trial then reports that itself).
    """
    parsed = launch.parse_argv(command)
    if parsed is None:
        return ()
    try:
        snapshot = Snapshot.load(parsed.snapshot)
    except (SnapshotError, OSError, ValueError):
        return ()
    code_dir = parsed.code_dir or snapshot.code_dir
    project = {f.module.split(".")[0] for f in snapshot.files.values()}
    folders = [code_dir, os.path.dirname(os.path.abspath(parsed.script))]
    found: dict[str, None] = {}
    for rel in sorted(snapshot.files, key=lambda r: r != snapshot.entry):  # the entry's imports first
        names = snapshot.files[rel].imports  # recorded when the snapshot was taken
        if names is None:
            try:
                names = top_level_imports(snapshot.original(rel))
            except (SnapshotError, OSError):
                continue
        for name in names:
            top = name.split(".")[0]
            if top not in project and _installed(top, folders):
                found.setdefault(name)
    return tuple(found)


def top_level_imports(source: bytes) -> list[str]:
    """Absolute modules imported unconditionally at the top level of ``source`` (empty if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return tree_imports(tree)


def tree_imports(tree: ast.Module) -> list[str]:
    """:func:`top_level_imports` of an already parsed module."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _installed(top: str, project_folders: list[str]) -> bool:
    """``top`` is an installed third-party package that no project folder shadows."""
    if top in _NEVER or top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return False
    if PathFinder.find_spec(top, project_folders) is not None:
        return False  # the project's own module of that name wins in the trial
    site = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    return PathFinder.find_spec(top, site) is not None

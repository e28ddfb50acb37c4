"""A trial's files: the entry script plus the project modules it imports; their merged search space.

The runner records what :func:`collect` read as the experiment's code snapshot; nothing here writes a file.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from nniannot.errors import AnnotationError, ConfigError, Diagnostic
from nniannot.snapshot import module_name
from nniannot.transformer.core import TransformResult, analyze
from nniannot.transformer.imports import Resolver


@dataclass
class Project:
    """The analysed files of one trial, in discovery order (entry first)."""

    entry: Path
    code_dir: Path
    search_space: dict[str, Any]
    files: list[Path]
    diagnostics: list[Diagnostic]
    results: dict[Path, TransformResult] = field(repr=False)
    modules: dict[Path, str] = field(repr=False)
    sources: dict[Path, bytes] = field(repr=False)

    @property
    def has_annotations(self) -> bool:
        return any(r.has_annotations for r in self.results.values())

    @cached_property
    def fingerprint(self) -> str:
        """Changes iff the rewritten code or the search space changes; comments and layout do not count."""
        digest = hashlib.sha256(json.dumps(self.search_space, sort_keys=True).encode())
        for path in sorted(self.files):
            result = self.results[path]
            tree = result.tree if result.tree is not None else ast.parse(result.code)
            digest.update(f"\0{self.modules[path]}\0".encode())
            digest.update(ast.dump(tree).encode())
        return digest.hexdigest()


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, else absolute."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def read_source(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, importlib.util.decode_source(data)


def collect(
    entry: str | os.PathLike[str], code_dir: str | os.PathLike[str] | None = None, strict: bool = True
) -> Project:
    """Analyse the entry script and the project modules it imports (static, inside ``code_dir``).

    With ``strict`` False errors stay in ``diagnostics`` and unreadable modules are left out (for a script
    run as written), unless the entry itself cannot be read.

    Raises:
        AnnotationError: with every error of every file (the entry missing or unreadable included).
        ConfigError: the entry is not inside ``code_dir``.
    """
    entry_path = Path(entry).absolute()
    if not entry_path.is_file():
        raise AnnotationError([Diagnostic(str(entry), 1, 0, "no such file")])
    root = Path(code_dir).absolute() if code_dir is not None else entry_path.parent
    if not entry_path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"{entry} is not inside the code directory {root}")
    resolver = Resolver(list(dict.fromkeys([entry_path.parent, root])), root.resolve())
    project = Project(entry_path, root, {}, [], [], {}, {}, {})
    queue: deque[Path] = deque([entry_path])
    seen = {entry_path.resolve()}
    while queue:
        path = queue.popleft()
        for found in _analyse(project, resolver, path):
            if found.resolve() not in seen:
                seen.add(found.resolve())
                queue.append(found)
    _merge(project)
    errors = [d for d in project.diagnostics if d.is_error]
    if errors and (strict or not project.files):
        raise AnnotationError(errors)
    return project


def _analyse(project: Project, resolver: Resolver, path: Path) -> list[Path]:
    shown = display_path(path)
    try:
        data, text = read_source(path)
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        project.diagnostics.append(Diagnostic(shown, 1, 0, f"cannot read the file: {exc}"))
        return []
    module = module_name(str(path), str(project.code_dir))
    result = analyze(text, module, shown)
    project.files.append(path)
    project.results[path] = result
    project.modules[path] = module
    project.sources[path] = data
    project.diagnostics.extend(result.diagnostics)
    found, warnings = resolver.resolve(path, result.imports, shown)
    project.diagnostics.extend(warnings)
    return found


def _merge(project: Project) -> None:
    places: dict[str, Path] = {}
    for path in project.files:
        for key, spec in project.results[path].search_space.items():
            old = project.search_space.get(key)
            if old is not None and old != spec:
                message = (
                    f"`{key}` is defined in both {display_path(places[key])} and {display_path(path)} "
                    "with different values; give one of them another name"
                )
                project.diagnostics.append(Diagnostic(display_path(path), 1, 0, message))
                continue
            project.search_space.setdefault(key, spec)
            places.setdefault(key, path)

"""The rewritten trial code against the original, as unified diffs (the transformer is imported lazily)."""

from __future__ import annotations

import difflib
from typing import Any

from nniannot.errors import NniAnnotError

LAUNCHER = "nniannot.launch"


def _launch_args(command: list[str]) -> tuple[str, str] | None:
    """(entry script, code dir) of an annotated trial's launcher command, or None for a plain command."""
    if LAUNCHER not in command:
        return None
    rest = command[command.index(LAUNCHER) + 1 :]
    code_dir, i = None, 0
    while i < len(rest) and rest[i].startswith("--"):
        if rest[i] == "--code-dir" and i + 1 < len(rest):
            code_dir = rest[i + 1]
        i += 2
    if i >= len(rest) or code_dir is None:
        return None
    return rest[i], code_dir


def code_diff(command: list[str]) -> dict[str, Any]:
    """``{"files": [{"path", "diff"}]}`` for every annotated file of the trial, or ``{"unavailable": why}``.

    The files are read as they are now: if they changed since the trial ran, so does the diff.
    """
    args = _launch_args(command)
    if args is None:
        return {"unavailable": "this trial runs its script as written (no annotations were rewritten)"}
    try:
        from nniannot.transformer import collect
    except ImportError:
        return {"unavailable": "the transformer is not installed"}
    try:
        project = collect(*args)
    except (NniAnnotError, OSError) as exc:
        return {"unavailable": f"cannot rewrite the trial's code now: {exc}"}
    files = []
    for path in project.files:
        result = project.results[path]
        if not result.has_annotations:
            continue
        before = project.sources[path].decode("utf-8", "replace").splitlines(keepends=True)
        after = result.code.splitlines(keepends=True)
        name = str(path.relative_to(project.code_dir)) if path.is_relative_to(project.code_dir) else str(path)
        diff = "".join(difflib.unified_diff(before, after, f"{name} (original)", f"{name} (rewritten)"))
        files.append({"path": name, "diff": diff})
    return {"files": files}

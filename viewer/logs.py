"""Serving a trial's files (stdout, stderr, metrics, parameter.cfg) without leaving its directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nniannot.errors import StoreError

# Names the pages use; any other name is a path relative to the trial directory.
NAMED_FILES = {
    "stdout": "stdout",
    "stderr": "stderr",
    "metrics": ".nni/metrics",
    "parameters": "parameter.cfg",
}
DEFAULT_TAIL = 64 * 1024


class LogNotFound(StoreError):
    """The file does not exist or lies outside the trial's directory."""


@dataclass(frozen=True)
class LogText:
    """The end of a file: ``text`` (decoded, invalid bytes replaced), whether it was cut, the file size."""

    text: str
    truncated: bool
    size: int


def resolve_log(trial_dir: str | None, name: str) -> Path:
    """The file ``name`` of a trial; LogNotFound unless it is a regular file inside ``trial_dir``.

    Symbolic links are resolved first, so neither ``..`` nor a link can reach outside the directory.
    """
    if not trial_dir:
        raise LogNotFound("this trial has no directory (it has not started)")
    relative = NAMED_FILES.get(name, name)
    if not relative or os.path.isabs(relative) or "\x00" in relative:
        raise LogNotFound(f"no file {name!r} in the trial directory")
    root = Path(trial_dir).resolve()
    target = (root / relative).resolve()
    if target == root or not target.is_relative_to(root):
        raise LogNotFound(f"no file {name!r} in the trial directory")
    if not target.is_file():
        raise LogNotFound(f"the trial has no {name} file (yet)")
    return target


def read_tail(path: Path, max_bytes: int | None = DEFAULT_TAIL) -> LogText:
    """The last ``max_bytes`` of ``path`` (all of it for None), starting at a line boundary when cut."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if max_bytes is not None and size > max_bytes:
            f.seek(size - max_bytes)
            data = f.read()
            newline = data.find(b"\n")
            data = data[newline + 1 :] if 0 <= newline < len(data) - 1 else data
            return LogText(data.decode("utf-8", "replace"), True, size)
        return LogText(f.read().decode("utf-8", "replace"), False, size)

"""What a watch never reacts to: version-control and cache folders, editor artifacts, the experiment home,
and whatever ``.gitignore`` files ignore.

The ``.gitignore`` support covers the rules people write in practice: comments, ``!`` negation, a trailing
``/`` for folders only, a leading or inner ``/`` anchoring the pattern to its file's folder, and ``*``,
``?``, ``[...]`` and ``**`` wildcards. Files below an ignored folder are ignored, as in git.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                          ".ipynb_checkpoints", ".tox", ".nox", ".venv"})  # fmt: skip
# Swap, backup and temporary files that editors write next to the file being saved.
_EDITOR_SUFFIXES = ("~", ".swp", ".swo", ".swn", ".swx", ".bak", ".orig", ".tmp", ".kate-swp",
                    "___jb_tmp___", "___jb_old___", ".crswap")  # fmt: skip
_EDITOR_PREFIXES = (".#", "#", ".goutputstream-", ".~lock.")


def is_editor_artifact(name: str) -> bool:
    """True for an editor's swap, lock, backup or temporary file name (``.train.py.swp``, ``train.py~``,
    ``.#train.py``, ``#train.py#``, vim's ``4913`` probe)."""
    return name.endswith(_EDITOR_SUFFIXES) or name.startswith(_EDITOR_PREFIXES) or name.isdigit()


@dataclass(frozen=True)
class Rule:
    """One ``.gitignore`` line, compiled: it applies below ``base``."""

    base: str
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


def _glob_to_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            body = glob[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body[0] in "!^" else body).replace("\\", "\\\\") + "]")
            i = end + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def parse_gitignore(text: str, base: str) -> list[Rule]:
    """The rules of a ``.gitignore`` whose folder is ``base``."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        if line.startswith("\\"):
            line = line[1:]  # `\#` and `\!` stand for themselves
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        body = _glob_to_regex(line.lstrip("/"))
        pattern = body if anchored else "(?:.*/)?" + body
        rules.append(Rule(base, re.compile(f"^{pattern}$"), negated, dir_only))
    return rules


def _ignored_by(rules: list[Rule], path: str, is_dir: bool) -> bool | None:
    verdict = None
    for rule in rules:
        rel = os.path.relpath(path, rule.base)
        if rel.startswith("..") or (rule.dir_only and not is_dir):
            continue
        if rule.regex.match(rel.replace(os.sep, "/")):
            verdict = not rule.negated
    return verdict


def _gitignore_files(start: str) -> list[str]:
    """``.gitignore`` files from the repository root (or the file system root) down to ``start``."""
    found, folder = [], os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, ".gitignore")
        if os.path.isfile(candidate):
            found.append(candidate)
        if os.path.exists(os.path.join(folder, ".git")) or os.path.dirname(folder) == folder:
            return found[::-1]
        folder = os.path.dirname(folder)


class PathFilter:
    """Decides whether a changed path is beneath a watch's notice.

    Rules come from the ``.gitignore`` files of ``code_dir``, its parents up to the repository root, and its
    subfolders (read when first needed); call :meth:`reload` after a ``.gitignore`` changes. Only folders
    below ``code_dir`` are matched against them, so a code directory inside an ignored folder still works.
    """

    def __init__(self, code_dir: str, ignored_dirs: Iterable[str] = ()) -> None:
        self.code_dir = os.path.abspath(code_dir)
        self.ignored_dirs = [os.path.abspath(d) for d in ignored_dirs]
        self._above: list[Rule] = []
        self._below: dict[str, list[Rule]] = {}
        self.reload()

    def reload(self) -> None:
        """Forget every rule read so far and read the ``.gitignore`` files again."""
        self._below = {}
        top = os.path.exists(os.path.join(self.code_dir, ".git"))  # the repository root: nothing above counts
        found = [] if top else _gitignore_files(os.path.dirname(self.code_dir))
        parents = [os.path.dirname(p) for p in found]
        self._above = [r for folder in parents for r in _read_rules(folder)]

    def ignored(self, path: str) -> bool:
        """True if a change of ``path`` must not start anything."""
        path = os.path.abspath(path)
        if any(path == d or path.startswith(d + os.sep) for d in self.ignored_dirs):
            return True
        parts = path.split(os.sep)
        if is_editor_artifact(parts[-1]) or SKIPPED_DIRS.intersection(parts[:-1]):
            return True
        return self._git_ignored(path)

    def _git_ignored(self, path: str) -> bool:
        below = os.path.relpath(os.path.dirname(path), self.code_dir)
        if below.startswith(".."):
            return False
        folders = [self.code_dir]
        for part in below.split(os.sep) if below != "." else []:
            folders.append(os.path.join(folders[-1], part))
        rules = list(self._above)
        for folder in folders:
            if folder not in self._below:
                self._below[folder] = _read_rules(folder)
            rules.extend(self._below[folder])
        # a file below an ignored folder is ignored whatever its own name says, as in git
        prefixes = [*folders[1:], path]
        return any(_ignored_by(rules, p, is_dir=i < len(prefixes) - 1) for i, p in enumerate(prefixes))


def _read_rules(folder: str) -> list[Rule]:
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as f:
            return parse_gitignore(f.read(), folder)
    except OSError:
        return []

"""Static resolution of a module's imports to project files (inside the code directory).

An import whose top-level name is not in the project is someone else's (numpy, the standard library) and
is ignored. One whose top-level package is in the project but whose submodule is missing is skipped with
a warning, as is a relative import that leads nowhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

from nniannot.errors import Diagnostic


def _locate(root: Path, parts: list[str]) -> tuple[list[Path], int | None, Path | None]:
    """Files executed by importing ``parts`` from ``root``, the index of the first missing part, and
    the folder of the imported package (None when it is a plain module)."""
    files: list[Path] = []
    folder = root
    for i, part in enumerate(parts):
        package = folder / part
        if (package / "__init__.py").is_file():
            files.append(package / "__init__.py")
            folder = package
        elif (folder / f"{part}.py").is_file():
            files.append(folder / f"{part}.py")
            return files, (i + 1 if i + 1 < len(parts) else None), None
        elif package.is_dir():
            folder = package  # a namespace package
        else:
            return files, i, None
    return files, None, folder


class Resolver:
    """Resolves the imports of the files of one trial."""

    def __init__(self, roots: list[Path], code_dir: Path) -> None:
        self.roots = roots
        self.code_dir = code_dir

    def resolve(
        self, path: Path, imports: list[ast.Import | ast.ImportFrom], shown: str
    ) -> tuple[list[Path], list[Diagnostic]]:
        files: list[Path] = []
        warnings: list[Diagnostic] = []
        for node in imports:
            for found, missing in self._one(path, node):
                files.extend(found)
                if missing:
                    warnings.append(
                        Diagnostic(
                            shown,
                            node.lineno,
                            node.col_offset + 1,
                            f"module `{missing}` is imported but not found in the project; skipped",
                            "warning",
                        )
                    )
        inside = [f for f in files if f.resolve().is_relative_to(self.code_dir)]
        return inside, warnings

    def _one(self, path: Path, node: ast.Import | ast.ImportFrom) -> list[tuple[list[Path], str | None]]:
        if isinstance(node, ast.Import):
            return [self._absolute(alias.name.split("."))[:2] for alias in node.names]
        names = [a.name for a in node.names if a.name != "*"]
        if node.level == 0:
            found, missing, folder = self._absolute((node.module or "").split("."))
            return [(found + self._submodules(folder, names), missing)]
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        parts = node.module.split(".") if node.module else []
        found, index, folder = _locate(base, parts)
        if index is not None:
            return [(found, "." * node.level + (node.module or ""))]
        init = base / "__init__.py"
        extra = [init] if not parts and init.is_file() else []
        return [(found + extra + self._submodules(folder, names), None)]

    def _absolute(self, parts: list[str]) -> tuple[list[Path], str | None, Path | None]:
        for root in self.roots:
            found, index, folder = _locate(root, parts)
            if index == 0:
                continue  # not this root's; maybe another's, else a third-party module
            if index is None:
                return found, None, folder
            return found, ".".join(parts), None
        return [], None, None

    @staticmethod
    def _submodules(folder: Path | None, names: list[str]) -> list[Path]:
        """``from package import name`` imports ``package/name.py`` when it exists."""
        out: list[Path] = []
        for name in names if folder is not None else []:
            found, index, _ = _locate(folder, [name])  # type: ignore[arg-type]
            if index is None:
                out.extend(found)
        return out

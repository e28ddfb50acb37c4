"""Find annotation strings, the statements they annotate, and the imports of a module (stdlib ``ast``).

Only statement lists are walked (statements never hide inside expressions), which keeps this cheap on
big files. An annotation is a statement made of one ``str`` literal whose text, after leading whitespace,
starts with ``@nni.``; what it annotates is the next statement of its own block.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from nniannot.transformer.source import Source

_LITERAL = re.compile(r"([rRuU]?)('''|\"\"\"|'|\")(.*)\2\Z", re.S)


@dataclass(frozen=True)
class Site:
    """An annotation statement, its string value, and the next statement of its block (if any)."""

    stmt: ast.Expr
    text: str
    target: ast.stmt | None


def is_annotation(stmt: ast.stmt) -> bool:
    if type(stmt) is not ast.Expr:
        return False
    value = stmt.value
    return (
        type(value) is ast.Constant and type(value.value) is str and value.value.lstrip().startswith("@nni.")
    )


def find(tree: ast.Module) -> tuple[list[Site], list[ast.Import | ast.ImportFrom]]:
    """All annotation sites (in source order) and all import statements of a module."""
    sites: list[Site] = []
    imports: list[ast.Import | ast.ImportFrom] = []
    _walk(tree.body, sites, imports)
    sites.sort(key=lambda s: (s.stmt.lineno, s.stmt.col_offset))
    return sites, imports


def _walk(block: list[ast.stmt], sites: list[Site], imports: list[ast.Import | ast.ImportFrom]) -> None:
    for i, stmt in enumerate(block):
        kind = type(stmt)
        if kind is ast.Expr:
            if is_annotation(stmt):
                target = block[i + 1] if i + 1 < len(block) else None
                sites.append(Site(stmt, stmt.value.value, target))  # type: ignore[attr-defined, arg-type]
            continue
        if kind is ast.Import or kind is ast.ImportFrom:
            imports.append(stmt)  # type: ignore[arg-type]
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if type(inner) is list:
                _walk(inner, sites, imports)
        for handler in getattr(stmt, "handlers", ()):
            _walk(handler.body, sites, imports)
        for case in getattr(stmt, "cases", ()):
            _walk(case.body, sites, imports)


class TextMap:
    """Maps offsets in an annotation string's value to places in the file.

    Exact when the literal is one plain token whose text equals its value (no escapes, no implicit
    concatenation); otherwise every offset maps to the start of the literal, which still names the line.
    """

    def __init__(self, source: Source, stmt: ast.Expr) -> None:
        node = stmt.value
        value: str = node.value  # type: ignore[attr-defined]
        self.line = node.lineno
        self.col = source.char_col(node.lineno, node.col_offset)
        self.exact = False
        match = _LITERAL.match(source.segment(*source.node_span(node)))
        if match and match.group(3) == value:
            self.exact = True
            self.col += len(match.group(1)) + len(match.group(2))

    def position(self, offset: int, value: str) -> tuple[int, int]:
        """1-based (line, column) in the file of character ``offset`` of the string's value."""
        if not self.exact:
            return self.line, self.col
        before = value[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return self.line, self.col + offset
        return self.line + newlines, offset - before.rfind("\n")

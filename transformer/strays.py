"""Strings that look like annotations but are not one, so nothing would happen: warn and say why.

Two kinds are found. A string statement that reads like an annotation but lacks the ``@``
(``'''nni.variable(...)'''``, met in real scripts). And annotation-looking text that is not a string
statement of its own: inside a lambda, a comprehension, a call or any other expression, or written as an
f-string or a bytes literal. Both are inert under nni-annot, as under NNI.

Finding them must not slow down the common case: the statement walk runs only when the text has a string
that starts like an annotation without ``@``, and expressions are walked only inside the statements whose
lines hold an ``@nni.`` that no annotation accounts for (a comment, usually).
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Callable

from nniannot.errors import Diagnostic
from nniannot.transformer.locate import Site, is_annotation
from nniannot.transformer.records import ANNOTATIONS
from nniannot.transformer.source import Source

_NAMES = "|".join(ANNOTATIONS)
_WITHOUT_AT_IN_TEXT = re.compile(rf"""['"]\s*nni\.(?:{_NAMES})\s*\(""")
_WITHOUT_AT = re.compile(rf"\s*nni\.({_NAMES})\s*\(")
_LOOKS_LIKE_A_CALL = re.compile(r"\s*@nni\.\w+\s*\(")
_BLOCKS = ("body", "orelse", "finalbody")

WITHOUT_AT = (
    "this string is inert: it reads like `@nni.{name}(...)`, but an annotation starts with `@nni.`; "
    "write `'''@nni.{name}(...)'''` to make it one"
)
NOT_A_STATEMENT = (
    "this string looks like an annotation but is not one: an annotation is a string statement of its own, "
    "and this string is part of an expression (a lambda, comprehension, call or assignment); "
    "move it onto a line of its own"
)
F_STRING = (
    "an f-string is not an annotation (its text is only known when the script runs); drop the `f` prefix"
)
BYTES = "a bytes literal is not an annotation; drop the `b` prefix"


def find_strays(src: Source, tree: ast.Module, sites: list[Site]) -> list[Diagnostic]:
    """Warnings for the near-misses of a module, in no particular order."""
    out: list[Diagnostic] = []
    if _WITHOUT_AT_IN_TEXT.search(src.text):
        _statements(tree.body, lambda stmt: _without_at(src, stmt, out))
    lines = _unexplained_lines(src, sites)
    if lines:
        _statements(tree.body, lambda stmt: _in_expressions(src, stmt, lines, out))
    return out


def _statements(block: list[ast.stmt], visit: Callable[[ast.stmt], None]) -> None:
    """Call ``visit`` on every statement of ``block`` and of the blocks nested in it."""
    for stmt in block:
        visit(stmt)
        for name in _BLOCKS:
            inner = getattr(stmt, name, None)
            if type(inner) is list:
                _statements(inner, visit)
        for holder in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
            _statements(holder.body, visit)


def _without_at(src: Source, stmt: ast.stmt, out: list[Diagnostic]) -> None:
    if type(stmt) is not ast.Expr or type(stmt.value) is not ast.Constant:
        return
    text = stmt.value.value
    match = _WITHOUT_AT.match(text) if type(text) is str else None
    if match is not None:
        out.append(_warning(src, stmt.value, WITHOUT_AT.format(name=match.group(1))))


def _unexplained_lines(src: Source, sites: list[Site]) -> list[int]:
    """Sorted lines that hold ``@nni.`` outside every annotation string."""
    spans = sorted(src.node_span(site.stmt) for site in sites)
    starts = [start for start, _ in spans]
    lines: set[int] = set()
    at = src.data.find(b"@nni.")
    while at != -1:
        i = bisect_left(starts, at + 1) - 1
        if i < 0 or at >= spans[i][1]:
            lines.add(bisect_left(src.starts, at + 1))
        at = src.data.find(b"@nni.", at + 1)
    return sorted(lines)


def _in_expressions(src: Source, stmt: ast.stmt, lines: list[int], out: list[Diagnostic]) -> None:
    """Warn for the annotation-looking strings in the expressions of ``stmt`` itself (not its blocks)."""
    if is_annotation(stmt) or not _touches(lines, stmt):
        return
    if type(stmt) is ast.Expr and _starts_like_annotation(stmt.value):
        out.append(_warning(src, stmt.value, F_STRING if type(stmt.value) is ast.JoinedStr else BYTES))
        return
    seen: set[int] = set()
    for field, value in ast.iter_fields(stmt):
        if field in _BLOCKS or field in ("handlers", "cases"):
            continue
        for node in _nodes(value):
            if id(node) in seen or not isinstance(node, ast.expr):
                continue
            if type(node) is ast.JoinedStr:
                seen.update(id(part) for part in node.values)
            if _starts_like_annotation(node, call_only=True):
                out.append(_warning(src, node, NOT_A_STATEMENT))


def _nodes(value: object) -> list[ast.AST]:
    roots = value if isinstance(value, list) else [value]
    return [node for root in roots if isinstance(root, ast.AST) for node in ast.walk(root)]


def _touches(lines: list[int], stmt: ast.stmt) -> bool:
    i = bisect_left(lines, stmt.lineno)
    return i < len(lines) and lines[i] <= (stmt.end_lineno or stmt.lineno)


def _starts_like_annotation(node: ast.expr, call_only: bool = False) -> bool:
    """A str, bytes or f-string literal whose text starts with ``@nni.`` (and a call, if ``call_only``)."""
    if type(node) is ast.JoinedStr:
        first = node.values[0] if node.values else None
        return type(first) is ast.Constant and _starts_like_annotation(first, call_only)
    if type(node) is not ast.Constant:
        return False
    value = node.value
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    text = value
    if call_only:
        return _LOOKS_LIKE_A_CALL.match(text) is not None
    return text.lstrip().startswith("@nni.")


def _warning(src: Source, node: ast.expr, message: str) -> Diagnostic:
    line = node.lineno
    return src.diagnostic(line, src.char_col(line, node.col_offset), message, "warning")

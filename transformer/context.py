"""What the parsers of one annotation share: its text, positions mapped back to the file, diagnostics.

The parsers of annotations (:mod:`.parse`), samplers (:mod:`.samplers`) and mutable layers (:mod:`.layers`)
all take a :class:`Context`; it lives here so that none of them imports another to get it.
"""

from __future__ import annotations

import ast

from nniannot.errors import Diagnostic
from nniannot.transformer.locate import Site, TextMap
from nniannot.transformer.records import LaterLoc, Loc
from nniannot.transformer.source import Source


class Context:
    """What the parsers of one annotation share: positions, the module name, the diagnostics."""

    def __init__(self, source: Source, site: Site, module: str, diagnostics: list[Diagnostic]) -> None:
        self.source = source
        self.site = site
        self.module = module
        self.diagnostics = diagnostics
        self.at = site.text.index("@") + 1
        self.expr_text = site.text[self.at :]
        self._map: TextMap | None = None
        self._line_starts = [0]
        newline = self.expr_text.find("\n")
        while newline != -1:
            self._line_starts.append(newline + 1)
            newline = self.expr_text.find("\n", newline + 1)
        self.failed = False
        # Nodes of an annotation parsed together with others (see parse.parse_all) count their lines from
        # the start of that combined text; this is where this annotation's first line was in it.
        self.line_base = 0

    @property
    def map(self) -> TextMap:
        if self._map is None:
            self._map = TextMap(self.source, self.site.stmt)
        return self._map

    def later_at(self, line: int, char_col: int) -> LaterLoc:
        """:meth:`loc_at`, worked out when first read."""
        return LaterLoc(lambda: self.loc_at(line, char_col))

    def later(self, node: ast.AST) -> LaterLoc:
        """:meth:`loc`, worked out when first read."""
        return LaterLoc(lambda: self.loc(node))

    def loc_at(self, line: int, char_col: int) -> Loc:
        """Place in the file of a 1-based line / 0-based character column of the annotation text."""
        index = min(max(line, 1), len(self._line_starts)) - 1
        offset = self.at + self._line_starts[index] + char_col
        return Loc(*self.map.position(offset, self.site.text))

    def loc(self, node: ast.AST) -> Loc:
        line = node.lineno - self.line_base  # type: ignore[attr-defined]
        start = self._line_starts[min(line, len(self._line_starts)) - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.expr_text)
        raw = self.expr_text[start:end].encode("utf-8", "surrogatepass")
        col = len(raw[: node.col_offset].decode("utf-8", "replace"))  # type: ignore[attr-defined]
        return self.loc_at(line, col)

    def text_of(self, node: ast.AST) -> str | None:
        """The annotation's text of a one-line ``node`` (None if it spans lines or the line is not ASCII)."""
        line = node.lineno - self.line_base  # type: ignore[attr-defined]
        if node.end_lineno != node.lineno or not 1 <= line <= len(self._line_starts):  # type: ignore[attr-defined]
            return None
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.expr_text)
        text = self.expr_text[start:end]
        if not text.isascii():  # ast's columns count UTF-8 bytes
            return None
        return text[node.col_offset : node.end_col_offset]  # type: ignore[attr-defined]

    def error(self, where: ast.AST | Loc | LaterLoc, message: str, severity: str = "error") -> None:
        loc = where if isinstance(where, (Loc, LaterLoc)) else self.loc(where)
        self.diagnostics.append(self.source.diagnostic(loc.line, loc.col, message, severity))
        if severity == "error":
            self.failed = True

"""A source file as bytes with line offsets: positions for diagnostics and splicing edits.

``ast`` reports columns as UTF-8 byte offsets into a line, so the file is kept as UTF-8 bytes and every
edit is a byte range. Lines are split the way Python's tokenizer splits them (``\\n``, ``\\r\\n``, ``\\r``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nniannot.errors import Diagnostic


@dataclass(frozen=True)
class Edit:
    """Replace the bytes ``[start, end)`` of the file with ``text`` (which keeps the line count)."""

    start: int
    end: int
    text: str


class Source:
    """The text of one file, addressable by (line, byte column) and by absolute byte offset."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.data = text.encode("utf-8", "surrogatepass")
        self.lines = self.data.splitlines(keepends=True)
        self.starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.starts.append(offset)
            offset += len(line)
        self.starts.append(offset)
        self.newline = _newline_of(self.lines[0]) if self.lines else "\n"

    def offset(self, line: int, col: int) -> int:
        """Absolute byte offset of a 1-based line and a 0-based byte column."""
        return self.starts[line - 1] + col

    def node_span(self, node: ast.AST) -> tuple[int, int]:
        """Byte range of a statement or expression node."""
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "surrogatepass")

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self.lines):
            return ""
        return self.lines[line - 1].decode("utf-8", "replace").rstrip("\r\n")

    def char_col(self, line: int, byte_col: int) -> int:
        """1-based character column of a 0-based byte column (what an editor shows)."""
        if not 1 <= line <= len(self.lines):
            return byte_col + 1
        return len(self.lines[line - 1][:byte_col].decode("utf-8", "replace")) + 1

    def diagnostic(self, line: int, char_col: int, message: str, severity: str = "error") -> Diagnostic:
        """A diagnostic at a 1-based line and 1-based character column, with the line for the caret."""
        return Diagnostic(self.path, line, char_col, message, severity, self.line_text(line))

    def apply(self, edits: list[Edit]) -> str:
        """The text with the (non-overlapping) edits applied."""
        out: list[bytes] = []
        last = 0
        for edit in sorted(edits, key=lambda e: e.start):
            out.append(self.data[last : edit.start])
            out.append(edit.text.encode("utf-8", "surrogatepass"))
            last = edit.end
        out.append(self.data[last:])
        return b"".join(out).decode("utf-8", "surrogatepass")


def _newline_of(line: bytes) -> str:
    if line.endswith(b"\r\n"):
        return "\r\n"
    if line.endswith(b"\r"):
        return "\r"
    return "\n"

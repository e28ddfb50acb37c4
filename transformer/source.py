"""A source file as bytes with line offsets: positions for diagnostics and splicing edits.

``ast`` reports columns as UTF-8 byte offsets into a line, so the file is kept as UTF-8 bytes and every
edit is a byte range. Lines are split the way Python's tokenizer splits them (``\\n``, ``\\r\\n``, ``\\r``).
"""

from __future__ import annotations

import ast
import codecs
import re
from dataclasses import dataclass
from typing import Any

from nniannot.errors import Diagnostic

# PEP 263: a comment on line 1 or 2 that names the file's encoding (line 2 only after a comment-only line 1).
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_COMMENT_OR_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_BOM = codecs.BOM_UTF8


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
        # What the parsers rendered from an expression, by its exact text: equal text parses to an equal
        # tree, so a script that repeats `relu(x)` in a thousand annotations renders it once.
        self.rendered: dict[tuple[str, str], Any] = {}

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
        return Diagnostic(
            self.path, line, char_col, message, severity, _clipped(self.line_text(line), char_col)
        )

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


def _clipped(text: str, char_col: int, after: int = 80) -> str:
    """The line as shown under a diagnostic: cut some way past the caret (a line can be megabytes)."""
    end = max(char_col, 1) + after
    return text if len(text) <= end else text[:end] + " ..."


def _newline_of(line: bytes) -> str:
    if line.endswith(b"\r\n"):
        return "\r\n"
    if line.endswith(b"\r"):
        return "\r"
    return "\n"


def decode(data: bytes, path: str) -> tuple[str, Diagnostic | None]:
    """The text of a source file's bytes, decoded as Python decodes them (BOM, coding line, else UTF-8).

    Never raises. Bytes that do not decode give a diagnostic at the first bad byte (its line and
    column, the byte's value and the encoding that was expected); the text is then decoded with
    replacement characters so that callers can still show lines.
    """
    body, base = (data[len(_BOM) :], len(_BOM)) if data.startswith(_BOM) else (data, 0)
    encoding, declared_on = _declared(body)
    try:
        return body.decode(encoding), None
    except UnicodeDecodeError as exc:
        text = body.decode(encoding, "replace")
        return text, _undecodable(body, exc, encoding, declared_on, path, base)
    except LookupError:  # not a codec at all, or one that does not make text (`rot13`, `hex`)
        text = body.decode("utf-8", "replace")
        message = (
            f"line {declared_on} declares the encoding `{encoding}`, which is not a text encoding Python "
            "knows; name one such as `utf-8` or `latin-1`"
        )
        return text, Source(text, path).diagnostic(declared_on, 1, message)


def _declared(data: bytes) -> tuple[str, int]:
    """The encoding a coding line declares and its line number; ``("utf-8", 0)`` without one."""
    lines = data.splitlines(keepends=True)[:2]
    for number, line in enumerate(lines, start=1):
        match = _COOKIE.match(line)
        if match:
            return match.group(1).decode("ascii"), number
        if not _COMMENT_OR_BLANK.match(line):
            break
    return "utf-8", 0


def _undecodable(
    body: bytes, exc: UnicodeDecodeError, encoding: str, declared_on: int, path: str, base: int
) -> Diagnostic:
    lines = body.splitlines(keepends=True)
    line, start = 1, 0
    while line < len(lines) and start + len(lines[line - 1]) <= exc.start:
        start += len(lines[line - 1])
        line += 1
    raw = lines[line - 1] if lines else b""
    byte_col = exc.start - start + (base if line == 1 else 0)
    col = len(raw[: exc.start - start].decode(encoding, "replace")) + 1
    name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    if declared_on:
        expected = f"the file declares `{encoding}` on line {declared_on}"
        fix = "save it in that encoding or correct the declaration"
    else:
        expected = "Python source is UTF-8 unless it declares another encoding"
        fix = (
            "save the file as UTF-8, or declare its encoding on line 1 or 2, e.g. `# -*- coding: latin-1 -*-`"
        )
    message = (
        f"byte 0x{body[min(exc.start, len(body) - 1)]:02x} at line {line}, byte {byte_col + 1} of the line, is not valid {name} "
        f"({exc.reason}); {expected}: {fix}"
    )
    shown = _clipped(raw.decode(encoding, "replace").rstrip("\r\n"), col)
    return Diagnostic(path, line, col, message, "error", shown)

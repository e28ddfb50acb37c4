"""Find the code blocks of a Markdown file that are marked to be run.

A block is marked by an HTML comment on the line before its opening fence:

- ``<!-- runnable -->``: run it; a ``python`` block with Python, any other (``bash``, ``sh``, ``console``,
  none) with ``bash -euo pipefail``.
- ``<!-- runnable: write PATH -->``: write its text to PATH (relative to the folder the blocks run in), so
  a page can show a file and then run commands on it.

The marker is invisible on the rendered page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_MARKER = re.compile(r"^<!--\s*runnable(?::\s*write\s+(?P<path>\S+))?\s*-->\s*$")
_FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")


@dataclass(frozen=True)
class Block:
    """A marked block: where it is (file, line of its fence), its language, its text, and what to do."""

    path: Path
    line: int
    lang: str
    text: str
    write_to: str | None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def runnable_blocks(path: Path) -> list[Block]:
    """The marked blocks of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        marker = _MARKER.match(lines[i].strip())
        fence = _FENCE.match(lines[i + 1]) if marker and i + 1 < len(lines) else None
        if marker is None or fence is None:
            if marker is not None:
                raise ValueError(
                    f"{path.name}:{i + 1}: a runnable marker must be right before a fenced block"
                )
            i += 1
            continue
        end = i + 2
        while end < len(lines) and not lines[end].startswith(fence.group("fence")):
            end += 1
        text = "\n".join(lines[i + 2 : end]) + "\n"
        blocks.append(Block(path, i + 2, fence.group("lang"), text, marker.group("path")))
        i = end + 1
    return blocks

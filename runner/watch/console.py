"""What ``nni-annot watch`` shows: plain lines, each trial line marked with its revision.

A live redrawn block (``nni-annot run`` on a terminal) does not suit a watch: errors, diffs and the lines
of two revisions may interleave, so every line is written once and stays.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from nniannot.runner.console import PlainConsole
from nniannot.runner.listener import Listener
from nniannot.runner.watch.listener import WatchListener


class RevisionConsole(PlainConsole):
    """The run console, with ``r<N>`` before each line so that two revisions running at once read apart."""

    def __init__(
        self, stream: TextIO, search_space: dict[str, Any], number: int, lock: threading.Lock
    ) -> None:
        super().__init__(stream, search_space)
        self.number, self._lock = number, lock

    def write(self, line: str) -> None:
        with self._lock:
            super().write(f"r{self.number} {line}")

    def experiment_finished(self, progress: Any, status: str, message: str | None) -> None:
        """Said by :meth:`WatchConsole.revision_ended` instead, which knows whether it was superseded."""


class WatchConsole(WatchListener):
    """Writes a watch's story to ``stream``: what is watched, errors, revisions with their diff.

    ``clear`` (if given) is called before each new revision is shown (``--clear``).
    """

    def __init__(self, stream: TextIO, clear: Callable[[], None] | None = None) -> None:
        self.stream = stream
        self.clear = clear
        self._lock = threading.Lock()  # revisions' threads write too

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _stamped(self, line: str) -> None:
        self._write(f"[{time.strftime('%H:%M:%S')}] {line}")

    def watching(self, files: list[str]) -> None:
        shown = ", ".join(_short(f) for f in files)
        self._stamped(f"watching {len(files)} file(s): {shown}")

    def problem(self, text: str) -> None:
        self._write(text)
        self._stamped("not run: fix the error and save; the last good revision is untouched")

    def unchanged(self) -> None:
        self._stamped("no change to the trial")

    def revision_queued(self, number: int, waiting_for: int) -> None:
        self._stamped(f"revision {number} queued: it starts when {waiting_for} running trial(s) finish")

    def revision_started(self, number: int, exp_id: str, parent_id: str | None, diff: list[str]) -> None:
        if self.clear is not None:
            with self._lock:
                self.clear()
        after = f" (after {parent_id})" if parent_id else ""
        self._stamped(f"revision {number}: experiment {exp_id}{after}")
        if parent_id is not None and not diff:
            self._write("  search space unchanged; the code changed")
        for line in diff:
            self._write(f"  {line}")

    def revision_ended(self, number: int, exp_id: str, status: str, message: str | None) -> None:
        why = f": {message}" if message else ""
        self._stamped(f"revision {number} ({exp_id}) {status}{why}; watching for changes")

    def trial_listener(self, number: int, search_space: dict[str, Any]) -> Listener:
        return RevisionConsole(self.stream, search_space, number, self._lock)

    def stopping(self) -> None:
        self._stamped("stopping: running trials are being stopped")


def _short(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel

"""What a watch tells whoever shows it (the CLI's console); every method is optional."""

from __future__ import annotations

from typing import Any

from nniannot.runner.listener import Listener


class WatchListener:
    """Receives a watch's notifications. The default implementation ignores them all.

    Methods are called from the thread that runs :meth:`WatchSession.run`, except those of the listeners
    :meth:`trial_listener` returns, which are called from the revision's own thread.
    """

    def watching(self, files: list[str]) -> None:
        """The set of watched files is now ``files`` (called when it changes)."""

    def problem(self, text: str) -> None:
        """The trial cannot run as it is now: located annotation errors or a configuration error."""

    def unchanged(self) -> None:
        """A watched file changed, but nothing a trial runs did (comments, layout)."""

    def revision_queued(self, number: int, waiting_for: int) -> None:
        """Revision ``number`` starts when the ``waiting_for`` running trials of older ones have finished."""

    def revision_started(self, number: int, exp_id: str, parent_id: str | None, diff: list[str]) -> None:
        """Revision ``number`` started as experiment ``exp_id``; ``diff`` lists changed search-space keys."""

    def revision_ended(self, number: int, exp_id: str, status: str, message: str | None) -> None:
        """Revision ``number`` ended; the watch goes on."""

    def trial_listener(self, number: int, search_space: dict[str, Any]) -> Listener:
        """The loop listener for revision ``number`` (trial starts, results, ...)."""
        return Listener()

    def stopping(self) -> None:
        """The watch is ending: running trials are being stopped."""

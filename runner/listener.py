"""What the loop tells whoever shows progress (the CLI's console); every method is optional."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Progress:
    """A snapshot of a running experiment for progress displays.

    ``done`` counts finished trials of this run and before it; ``running`` maps a running trial's id to its
    latest intermediate value (None before the first); ``remaining`` is seconds left, if limited.
    """

    experiment_id: str
    done: int = 0
    max_trials: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    running: dict[str, float | None] = field(default_factory=dict)
    best_value: float | None = None
    best_trial_id: str | None = None
    elapsed: float = 0.0
    remaining: float | None = None


class Listener:
    """Receives the loop's notifications. The default implementation ignores them all."""

    def experiment_started(self, progress: Progress, replayed: int, requeued: int) -> None:
        """The loop starts; ``replayed`` finished trials were fed to the tuner, ``requeued`` will re-run."""

    def trial_started(self, trial_id: str, seq: int, params: dict[str, Any]) -> None:
        """A trial was submitted."""

    def trial_metric(self, trial_id: str, value: float) -> None:
        """A trial reported an intermediate result."""

    def trial_finished(self, trial_id: str, status: str, value: float | None, message: str | None) -> None:
        """A trial ended with ``status``; ``value`` is its final metric if it has one."""

    def tick(self, progress: Progress) -> None:
        """Called a few times a second while the experiment runs."""

    def experiment_finished(self, progress: Progress, status: str, message: str | None) -> None:
        """The loop ended with the experiment in ``status``."""

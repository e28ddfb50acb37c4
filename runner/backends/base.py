"""The backend interface: where and how trials run.

A backend is a context manager. The runner :meth:`~Backend.submit` s a :class:`TrialSpec`, reads
:class:`TrialEvent` s with :meth:`~Backend.events` and may :meth:`~Backend.cancel` a trial. For each
submitted trial a backend emits exactly one ``started`` (unless it could not start), any number of
``metric`` events in the order the trial reported them, and exactly one ``finished``, always last. Leaving
the context cancels whatever still runs and waits for it.
"""

from __future__ import annotations

import queue
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from nniannot.protocol import MetricRecord

STARTED = "started"
METRIC = "metric"
FINISHED = "finished"


@dataclass(frozen=True)
class TrialSpec:
    """A trial to run: ``command`` in ``cwd``, with NNI's protocol files in ``trial_dir``.

    ``parameters`` go to ``trial_dir/parameter.cfg``; ``env`` is added to the inherited environment (the
    backend adds NNI's variables itself); ``gpus`` is how many GPUs the trial gets.
    """

    experiment_id: str
    trial_id: str
    seq: int
    command: list[str]
    cwd: str
    trial_dir: str
    parameters: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    gpus: int = 0


@dataclass(frozen=True)
class TrialEvent:
    """Something that happened to a trial.

    ``metric``: ``record`` is the decoded metric (not yet checked), ``problems`` what was unreadable.
    ``finished``: ``exit_code`` (negative: killed by that signal; None: no exit code, because the trial never
    started or its machine was lost, and then ``stderr_tail`` says why) and ``stderr_tail``.
    """

    kind: str
    trial_id: str
    record: MetricRecord | None = None
    problems: tuple[str, ...] = ()
    exit_code: int | None = None
    stderr_tail: str = ""
    at: float = field(default_factory=time.time)


class Backend(ABC):
    """Runs trials and reports what happens to them. Use it as a context manager."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def submit(self, spec: TrialSpec) -> None:
        """Start ``spec`` (now or as soon as possible); never blocks on the trial itself."""

    @abstractmethod
    def events(self, timeout: float) -> list[TrialEvent]:
        """Events since the last call; waits up to ``timeout`` seconds for the first one."""

    @abstractmethod
    def cancel(self, trial_id: str) -> None:
        """Stop a running trial (its ``finished`` event follows); unknown or ended trials are ignored."""

    @abstractmethod
    def close(self) -> None:
        """Cancel every running trial and wait until they have ended."""


def drain(events: queue.Queue[TrialEvent], timeout: float) -> list[TrialEvent]:
    """Wait up to ``timeout`` seconds for an event, then take every event already queued ([] if none came)."""
    try:
        out = [events.get(timeout=max(timeout, 0.0))]
    except queue.Empty:
        return []
    while True:
        try:
            out.append(events.get_nowait())
        except queue.Empty:
            return out

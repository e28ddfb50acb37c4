"""One revision's experiment running in a thread of its own, and the trial slots revisions share.

The experiment loop is the runner's usual one (:func:`nniannot.runner.run.run_experiment`). A revision can be told
to :meth:`~RevisionRun.stop` (its running trials are stopped) or to :meth:`~RevisionRun.drain` (it starts
no more trials and ends when the running ones finish), from any thread and even before its loop exists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from nniannot.errors import NniAnnotError
from nniannot.runner.experiment import ExperimentLoop, Limits
from nniannot.runner.listener import Listener
from nniannot.runner.run import Session, run_experiment
from nniannot.runner.store import ERROR


class SharedLimits(Limits):
    """A loop's limits whose concurrency leaves room for the trials older revisions still run."""

    def __init__(self, limits: Limits, busy: Callable[[], int]) -> None:
        self.max_trials, self.max_duration = limits.max_trials, limits.max_duration
        self.max_start_failures, self.max_trial_duration = (
            limits.max_start_failures,
            limits.max_trial_duration,
        )
        self.stop_wait = limits.stop_wait
        self.total = limits.concurrency
        self._busy = busy

    @property
    def concurrency(self) -> int:  # type: ignore[override]
        return max(0, self.total - self._busy())


class RevisionRun:
    """Runs ``session`` in a daemon thread; ``on_end(run)`` is called from that thread when it is over.

    ``busy()`` counts the trial slots other revisions hold right now. After the end, ``status`` is the
    experiment's final status and ``error`` says why it failed (None if it did not).
    """

    def __init__(
        self,
        number: int,
        session: Session,
        listener: Listener,
        busy: Callable[[], int],
        on_end: Callable[[RevisionRun], None],
    ) -> None:
        self.number, self.session, self.listener = number, session, listener
        self._busy, self._on_end = busy, on_end
        self._lock = threading.Lock()
        self._loop: ExperimentLoop | None = None
        self._stop = self._drain = False
        self.frees_slots_on_stop = session.config.gpus_per_trial == 0
        self.superseded_by: int | None = None
        self.status: str | None = None
        self.error: str | None = None
        self.thread = threading.Thread(target=self._main, name=f"nniannot-revision-{number}", daemon=True)

    @property
    def exp_id(self) -> str:
        return self.session.exp_id

    @property
    def stopped(self) -> bool:
        return self._stop

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    def stop(self) -> None:
        """Stop the running trials and end (they count as interrupted, as on Ctrl-C)."""
        with self._lock:
            self._stop = True
            if self._loop is not None:
                self._loop.request_stop()

    def drain(self) -> None:
        """Start no more trials; end once those running now have finished."""
        with self._lock:
            self._drain = True
            if self._loop is not None:
                self._loop.exhausted = True

    def running_trials(self) -> int:
        """Trials of this revision submitted and not yet ended."""
        loop = self._loop
        return 0 if loop is None else len(loop.live)

    def slots_held(self) -> int:
        """Trials of this revision that count against the shared concurrency right now.

        Stopped trials are on their way out and free their slot at once, so that a new revision starts
        without waiting for them, unless they hold GPUs (a new trial on the same GPU could run out of
        memory while the old one still exits).
        """
        loop = self._loop
        if loop is None or (self._stop and self.frees_slots_on_stop):
            return 0
        return len(loop.live)

    def _attach(self, loop: ExperimentLoop) -> None:
        loop.limits = SharedLimits(loop.limits, self._busy)
        with self._lock:
            self._loop = loop
            if self._drain:
                loop.exhausted = True
            if self._stop:
                loop.request_stop()

    def _main(self) -> None:
        try:
            self.status = run_experiment(self.session, self.listener, on_loop=self._attach)
        except NniAnnotError as exc:
            self.status, self.error = ERROR, str(exc)
        except Exception as exc:  # a failing revision must not end the watch; the loop recorded the error
            self.status, self.error = ERROR, f"{type(exc).__name__}: {exc}"
        finally:
            self._on_end(self)

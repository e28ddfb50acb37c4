"""The watch: files change -> re-transform -> maybe a new revision, until :meth:`WatchSession.stop`.

One thread (the caller's) makes every decision; it sleeps on a queue fed by the debounced file watcher,
by the revisions' threads when they end, and by :meth:`~WatchSession.stop`, so an idle watch uses no CPU.
"""

from __future__ import annotations

import contextlib
import os
import queue
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nniannot.errors import AnnotationError, NniAnnotError
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.home import Home
from nniannot.runner.store import ERROR, STOPPED, SYS_CANCELED, WAITING
from nniannot.runner.watch.files import PathFilter
from nniannot.runner.watch.listener import WatchListener
from nniannot.runner.watch.observer import FileWatcher
from nniannot.runner.watch.revision import Candidate, prepare, record, space_diff
from nniannot.runner.watch.runs import RevisionRun

ON_CHANGE = ("restart", "queue", "ignore-running")
_STOP, _CHANGE, _ENDED = "stop", "change", "ended"


@dataclass
class WatchOptions:
    """How a watch behaves. ``on_change`` is what happens to running trials of the previous revision:
    ``restart`` stops them, ``queue`` lets them finish before the new revision starts, ``ignore-running``
    starts the new revision beside them (within the concurrency limit)."""

    debounce: float = 0.2
    poll: bool = False
    on_change: str = "restart"


class WatchSession:
    """Watches the files of the trial ``make_config()`` describes and runs a revision per real change.

    ``make_config`` is called again on every change (a config file may have changed too); ``extra_files``
    (e.g. that config file) are watched besides the trial's own files.
    """

    def __init__(
        self,
        make_config: Callable[[], ExperimentConfig],
        home: Home,
        options: WatchOptions | None = None,
        listener: WatchListener | None = None,
        extra_files: Iterable[str] = (),
    ) -> None:
        self.options = options or WatchOptions()
        if self.options.on_change not in ON_CHANGE:
            raise ValueError(f"on_change must be one of {', '.join(ON_CHANGE)}")
        self.make_config, self.home = make_config, home
        self.listener = listener or WatchListener()
        self.extra_files = [os.path.abspath(f) for f in extra_files]
        self._inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._active: list[RevisionRun] = []  # revisions whose thread has not ended
        self._latest: tuple[str, int, str | None, dict[str, Any]] | None = None  # key, number, exp id, space
        self._pending: tuple[RevisionRun, str | None, list[str]] | None = None  # queued: run, parent, diff
        self._files: list[str] = []
        self._watcher: FileWatcher | None = None
        self.revisions: list[str] = []  # experiment ids, in order

    def stop(self) -> None:
        """End :meth:`run` soon. Safe to call from a signal handler or any thread."""
        self._inbox.put((_STOP, None))

    def run(self) -> None:
        """Watch until :meth:`stop`; then stop running trials, mark their experiments STOPPED and return."""
        first = self.make_config()
        code_dir = os.path.abspath(first.code_dir or os.path.dirname(os.path.abspath(first.script or ".")))
        path_filter = PathFilter(code_dir, [self.home.root])
        self._watcher = FileWatcher(
            lambda paths: self._inbox.put((_CHANGE, paths)), path_filter,
            debounce=self.options.debounce, poll=self.options.poll,
        )  # fmt: skip
        self._code_dir = code_dir
        try:
            self._set_watched([*([first.script] if first.script else []), *self.extra_files])
            self._watcher.start()  # before the first check, so that no save is missed
            self._check(announce_unchanged=False)
            self._serve()
        finally:
            self._shutdown()

    def _serve(self) -> None:
        while True:
            kind, payload = self._inbox.get()
            if kind == _STOP:
                return
            if kind == _CHANGE:
                self._check(announce_unchanged=bool(set(payload) & set(self._files)))
            elif kind == _ENDED:
                self._ended(payload)

    # a change -----------------------------------------------------------------------------------------

    def _check(self, announce_unchanged: bool) -> None:
        try:
            candidate = prepare(self.make_config, self.home, self.extra_files)
        except AnnotationError as exc:
            self._set_watched([*self._files, *(os.path.abspath(d.path) for d in exc.diagnostics)])
            self.listener.problem(str(exc))
            return
        except NniAnnotError as exc:
            self.listener.problem(f"error: {exc}")
            return
        self._set_watched(candidate.files)
        if self._latest is not None and candidate.key == self._latest[0]:
            if announce_unchanged:
                self.listener.unchanged()
            return
        self._begin(candidate)

    def _begin(self, candidate: Candidate) -> None:
        """Record the new revision first (a wrong tuner argument then leaves the old one alone), then
        deal with the old revisions' running trials and start it, now or once they have finished."""
        latest = self._latest
        number, parent = (latest[1] + 1, latest[2]) if latest else (1, None)
        try:
            session = record(candidate, self.home, number, parent)
        except NniAnnotError as exc:
            self.listener.problem(f"error: {exc}")
            return
        self._latest = (candidate.key, number, session.exp_id, candidate.search_space)
        self.revisions.append(session.exp_id)
        diff = space_diff(latest[3], candidate.search_space) if latest else []
        if self._pending is not None:
            self._drop_pending(f"replaced by revision {number} before it started")
        for old in self._active:
            old.superseded_by = number
            if self.options.on_change == "restart":
                old.stop()
            else:
                old.drain()
        run = RevisionRun(
            number, session, self.listener.trial_listener(number, candidate.search_space),
            busy=lambda: sum(r.slots_held() for r in list(self._active) if r is not run),
            on_end=lambda r: self._inbox.put((_ENDED, r)),
        )  # fmt: skip
        if self.options.on_change == "queue" and self._active:
            self._pending = (run, parent, diff)
            self.listener.revision_queued(number, sum(r.running_trials() for r in self._active))
            return
        self._start(run, parent, diff)

    def _start(self, run: RevisionRun, parent: str | None, diff: list[str]) -> None:
        self._pending = None
        self._active.append(run)
        self.listener.revision_started(run.number, run.exp_id, parent, diff)
        run.start()

    def _drop_pending(self, why: str) -> None:
        """A queued revision that will never run: recorded as STOPPED with ``why``."""
        run = self._pending[0] if self._pending else None
        self._pending = None
        if run is not None:
            with contextlib.suppress(NniAnnotError):
                run.session.store.set_experiment_status(run.exp_id, STOPPED, why)
            self.listener.revision_ended(run.number, run.exp_id, STOPPED, why)
            run.session.store.close()

    # a revision ended ---------------------------------------------------------------------------------

    def _ended(self, run: RevisionRun) -> None:
        run.join()
        if run in self._active:
            self._active.remove(run)
        self._close(run)
        if self._pending is not None and not self._active:
            self._start(*self._pending)

    def _close(self, run: RevisionRun) -> None:
        """Record why a superseded revision ended, report it and let go of its store connection."""
        store, exp_id = run.session.store, run.exp_id
        try:
            exp = store.get_experiment(exp_id)
            status, message = exp.status, run.error or exp.message
            if run.superseded_by is not None and run.error is None:
                message = f"superseded by revision {run.superseded_by}"
                if run.stopped:  # its stopped trials belong to old code: not something to resume
                    for trial in store.list_trials(exp_id, status=WAITING):
                        store.set_trial_status(exp_id, trial.id, SYS_CANCELED, message=f"stopped: {message}")
                    status = STOPPED
                store.set_experiment_status(exp_id, status, message)
        except NniAnnotError as exc:
            status, message = ERROR, str(exc)
        self.listener.revision_ended(run.number, exp_id, status, message)
        store.close()

    def _shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self._drop_pending("the watch stopped before it started")
        if self._active:
            self.listener.stopping()
        for run in self._active:  # the latest one ends as `run` does on Ctrl-C: resumable
            run.stop()
        for run in list(self._active):
            run.join()
            self._active.remove(run)
            self._close(run)

    def _set_watched(self, files: Iterable[str]) -> None:
        unique = list(dict.fromkeys(os.path.abspath(f) for f in files))
        if unique != self._files and self._watcher is not None:
            self._files = unique
            self._watcher.watch(unique, [self._code_dir])
            self.listener.watching(unique)

"""The experiment loop: tuner -> backend -> metrics -> assessor -> tuner, recorded in the store.

:class:`ExperimentLoop` owns one experiment for the length of :meth:`~ExperimentLoop.run`. It blocks on the
backend's events with a short timeout (for the duration limit, actions and the heartbeat); it never polls
for seconds. A resumed experiment first feeds its finished trials to the tuner and re-runs the trials that
were interrupted.
"""

from __future__ import annotations

import json
import math
import random
import string
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nniannot.errors import NniAnnotError, ProtocolError
from nniannot.protocol import check_metric
from nniannot.runner.assessors import Assessor
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec
from nniannot.runner.experiment_actions import ActionHandler
from nniannot.runner.listener import Listener, Progress
from nniannot.runner.outcome import STOP_ASSESSOR, STOP_DURATION, STOP_INTERRUPT, LiveTrial, decide
from nniannot.runner.store import (
    ACTIVE_STATUSES,
    DONE,
    EARLY_STOPPED,
    ERROR,
    EXP_RUNNING,
    FINISHED_STATUSES,
    RUNNING,
    STOPPED,
    SUCCEEDED,
    Store,
    Trial,
)
from nniannot.runner.tuners import Tuner

TICK = 0.2  # seconds between checks of the duration limit and of posted actions
HEARTBEAT_EVERY = 5.0


@dataclass
class Limits:
    max_trials: int | None = 20
    max_duration: float | None = None
    concurrency: int = 1


def _canonical(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class ExperimentLoop:
    """Runs experiment ``exp_id`` until its limits, an exhausted tuner, a stop request or an error.

    ``make_spec(trial)`` turns a stored trial into what the backend runs. :meth:`request_stop` may be
    called from a signal handler: running trials are stopped and put back to WAITING, to re-run on resume.
    """

    def __init__(
        self,
        store: Store,
        exp_id: str,
        *,
        tuner: Tuner,
        backend: Backend,
        make_spec: Callable[[Trial], TrialSpec],
        limits: Limits,
        assessor: Assessor | None = None,
        listener: Listener | None = None,
        revision: int = 0,
    ) -> None:
        self.store, self.exp_id, self.tuner, self.assessor = store, exp_id, tuner, assessor
        self.backend, self.make_spec, self.limits = backend, make_spec, limits
        self.listener = listener or Listener()
        self.revision = revision
        self.live: dict[str, LiveTrial] = {}
        self.requeued: deque[Trial] = deque()  # existing trials to run (again)
        self.extra: deque[dict[str, Any]] = deque()  # explicit parameters (rerun, add_trial)
        self.counts: Counter[str] = Counter()
        self.exhausted = False
        self._stop_reason: str | None = None
        self._known_ids: set[str] = set()
        self._replayed: Counter[str] = Counter()  # params of past trials a deterministic tuner may repeat
        self._trial_total = 0
        self._best: tuple[float, str] | None = None
        self._started = time.monotonic()
        self._actions = ActionHandler(self)

    # public ------------------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop soon: running trials are killed and re-run on resume; the experiment becomes STOPPED."""
        self._stop_reason = self._stop_reason or STOP_INTERRUPT

    def run(self) -> str:
        """Run to the end and return the experiment's final status (DONE, STOPPED or ERROR)."""
        self.store.claim(self.exp_id)
        try:
            self.store.set_experiment_status(self.exp_id, EXP_RUNNING)
            replayed = self._replay()
            self.listener.experiment_started(self.progress(), replayed, len(self.requeued))
            status, message = self._loop()
        except KeyboardInterrupt:
            self._abort(STOPPED, "interrupted")
            raise
        except NniAnnotError as exc:
            self._abort(ERROR, str(exc))
            raise
        except Exception as exc:
            self._abort(ERROR, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self.store.release(self.exp_id)
        self.store.set_experiment_status(self.exp_id, status, message)
        self.listener.experiment_finished(self.progress(), status, message)
        return status

    def progress(self) -> Progress:
        elapsed = time.monotonic() - self._started
        remaining = None if self.limits.max_duration is None else max(0.0, self.limits.max_duration - elapsed)
        return Progress(
            experiment_id=self.exp_id,
            done=sum(n for s, n in self.counts.items() if s in FINISHED_STATUSES),
            max_trials=self.limits.max_trials,
            counts=dict(self.counts),
            running={t.trial_id: (t.history[-1] if t.history else None) for t in self.live.values()},
            best_value=self._best[0] if self._best else None,
            best_trial_id=self._best[1] if self._best else None,
            elapsed=elapsed,
            remaining=remaining,
        )

    # start: feed the past to the tuner ---------------------------------------------------------------

    def _replay(self) -> int:
        replayed = 0
        for trial in self.store.list_trials(self.exp_id, revision=self.revision):
            self._known_ids.add(trial.id)
            self._trial_total += 1
            if trial.status in ACTIVE_STATUSES:
                if trial.status == RUNNING or trial.started_at is not None:
                    self.store.requeue_trial(self.exp_id, trial.id, "interrupted; running it again")
                self.requeued.append(trial)
                self._replayed[_canonical(trial.params)] += 1  # it runs again: the tuner must not repeat it
                continue
            self.counts[trial.status] += 1
            value = _tuner_value(trial)
            self.tuner.observe(trial.id, trial.params, value)
            if self.assessor is not None:
                curve = self.store.curves(self.exp_id, [trial.id]).get(trial.id, [])
                self.assessor.trial_end(trial.id, curve, trial.status in (SUCCEEDED, EARLY_STOPPED))
            self._note_best(trial.id, trial.final_default if trial.status == SUCCEEDED else None)
            self._replayed[_canonical(trial.params)] += 1
            replayed += 1
        return replayed

    # the loop ----------------------------------------------------------------------------------------

    def _loop(self) -> tuple[str, str | None]:
        next_tick, next_beat = 0.0, time.monotonic() + HEARTBEAT_EVERY
        while True:
            now = time.monotonic()
            if now >= next_tick:
                self._actions.apply()
                self._check_duration()
                self.listener.tick(self.progress())
                next_tick = now + TICK
            if now >= next_beat:
                self.store.heartbeat(self.exp_id)
                next_beat = now + HEARTBEAT_EVERY
            if self._stop_reason is not None:
                self._cancel_all(self._stop_reason)
            else:
                self._fill()
            if not self.live and (self._stop_reason is not None or not self._can_add()):
                return self._ending()
            for event in self.backend.events(timeout=max(0.0, min(next_tick, next_beat) - time.monotonic())):
                self._handle(event)

    def _ending(self) -> tuple[str, str | None]:
        if self._stop_reason == STOP_INTERRUPT:
            return STOPPED, "stopped by the user"
        if self._stop_reason == STOP_DURATION:
            return DONE, "reached the maximum duration"
        if self.exhausted:
            return DONE, "the tuner has no more configurations"
        return DONE, None

    def _check_duration(self) -> None:
        limit = self.limits.max_duration
        if limit is not None and self._stop_reason is None and time.monotonic() - self._started >= limit:
            self._stop_reason = STOP_DURATION

    def _cancel_all(self, reason: str) -> None:
        for live in self.live.values():
            if live.stop_reason is None:
                live.stop_reason = reason
                self.backend.cancel(live.trial_id)

    def _can_add(self) -> bool:
        if self.requeued or self.extra:
            return True
        if self.exhausted:
            return False
        return self.limits.max_trials is None or self._trial_total < self.limits.max_trials

    def _fill(self) -> None:
        while len(self.live) < self.limits.concurrency and self._can_add():
            if self.requeued:
                trial = self.requeued.popleft()
            elif self.extra:
                trial = self._new_trial(self.extra.popleft())
            else:
                trial_id = self._fresh_id()
                params = self._suggest(trial_id)
                if params is None:
                    self.exhausted = True
                    return
                trial = self._new_trial(params, trial_id)
            self._submit(trial)

    def _suggest(self, trial_id: str) -> dict[str, Any] | None:
        """The tuner's next parameters, skipping (a bounded number of) repeats of replayed trials."""
        for _ in range(sum(self._replayed.values()) + 1):
            params = self.tuner.suggest(trial_id)
            key = None if params is None else _canonical(params)
            if key is None or not self._replayed[key]:
                return params
            self._replayed[key] -= 1
        return self.tuner.suggest(trial_id)

    def _fresh_id(self) -> str:
        alphabet = string.ascii_letters + string.digits
        while True:
            trial_id = "".join(random.choices(alphabet, k=5))
            if trial_id not in self._known_ids:
                return trial_id

    def _new_trial(self, params: dict[str, Any], trial_id: str | None = None) -> Trial:
        trial = self.store.add_trial(
            self.exp_id, params, trial_id=trial_id or self._fresh_id(), revision=self.revision
        )
        self._known_ids.add(trial.id)
        self._trial_total += 1
        return trial

    def _submit(self, trial: Trial) -> None:
        spec = self.make_spec(trial)
        self.store.update_trial(self.exp_id, trial.id, dir=spec.trial_dir, command=spec.command)
        self.live[trial.id] = LiveTrial(trial.id, trial.seq, dict(trial.params))
        self.backend.submit(spec)
        self.listener.trial_started(trial.id, trial.seq, trial.params)

    # events ------------------------------------------------------------------------------------------

    def _handle(self, event: TrialEvent) -> None:
        live = self.live.get(event.trial_id)
        if live is None:
            return
        if event.kind == STARTED:
            self.store.set_trial_status(self.exp_id, live.trial_id, RUNNING)
        elif event.kind == METRIC:
            self._metric(live, event)
        elif event.kind == FINISHED:
            self._finished(live, event)

    def _metric(self, live: LiveTrial, event: TrialEvent) -> None:
        live.problems.extend(event.problems)
        record = event.record
        if record is None:
            return
        try:
            metric = check_metric(record.value)
        except ProtocolError as exc:
            if record.kind == "FINAL":
                live.final_problem = live.final_problem or f"final result: {exc}"
            else:
                live.problems.append(f"intermediate result #{record.sequence}: {exc}")
            return
        if record.kind == "FINAL":
            if live.final is None:  # the first final result counts, as in NNI
                live.final = metric
                self.store.set_final(self.exp_id, live.trial_id, metric.default, metric.whole)
            return
        self.store.add_intermediate(
            self.exp_id, live.trial_id, len(live.history), metric.default, metric.whole
        )
        live.history.append(metric.default)
        self.listener.trial_metric(live.trial_id, metric.default)
        stoppable = self.assessor is not None and live.stop_reason is None
        if stoppable and self.assessor.assess(live.trial_id, list(live.history)):  # type: ignore[union-attr]
            live.stop_reason = STOP_ASSESSOR
            self.backend.cancel(live.trial_id)

    def _finished(self, live: LiveTrial, event: TrialEvent) -> None:
        del self.live[live.trial_id]
        outcome = decide(live, event.exit_code, event.stderr_tail)
        if outcome.requeue:
            self.store.requeue_trial(self.exp_id, live.trial_id, outcome.message or "interrupted")
            return
        self.store.set_trial_status(
            self.exp_id,
            live.trial_id,
            outcome.status,
            message=outcome.message,
            exit_code=event.exit_code,
            stderr_tail=event.stderr_tail or None,
        )
        self.counts[outcome.status] += 1
        self.tuner.observe(live.trial_id, live.params, outcome.value)
        if self.assessor is not None:
            self.assessor.trial_end(
                live.trial_id, list(live.history), outcome.status in (SUCCEEDED, EARLY_STOPPED)
            )
        final = live.final.default if live.final is not None and outcome.status == SUCCEEDED else None
        self._note_best(live.trial_id, final)
        self.listener.trial_finished(live.trial_id, outcome.status, final, outcome.message)

    def _note_best(self, trial_id: str, value: float | None) -> None:
        if value is None or not math.isfinite(value):
            return
        sign = -1.0 if self.tuner.optimize_mode == "minimize" else 1.0
        if self._best is None or sign * value > sign * self._best[0]:
            self._best = (value, trial_id)

    def _abort(self, status: str, message: str) -> None:
        """Record an abnormal end: stop what runs (it re-runs on resume), mark the experiment (best effort)."""
        for live in self.live.values():
            self.backend.cancel(live.trial_id)
        try:
            self.store.set_experiment_status(self.exp_id, status, message)
        except NniAnnotError:
            pass


def _tuner_value(trial: Trial) -> float:
    if trial.status == SUCCEEDED and trial.final_default is not None:
        return trial.final_default
    if trial.status == EARLY_STOPPED and trial.last_intermediate is not None:
        return trial.last_intermediate
    return math.nan

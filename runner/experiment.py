"""The experiment loop: tuner -> backend -> metrics -> assessor -> tuner, recorded in the store.

:class:`ExperimentLoop` owns one experiment for the length of :meth:`~ExperimentLoop.run`. It blocks on the
backend's events with a short timeout (for the duration limits, actions and the heartbeat); it never polls
for seconds. A resumed experiment first feeds its finished trials to the tuner and re-runs the trials that
were interrupted. Every start of a trial is a new attempt (see :meth:`Store.begin_attempt
<nniannot.runner.store.Store.begin_attempt>`): results are written for that attempt only.

Nothing a trial reports can end the loop: an unusable record becomes a problem recorded on the trial.
A stop waits at most ``Limits.stop_wait`` seconds for running trials; a trial whose end never arrives is
put back to WAITING and the loop ends anyway.
"""

from __future__ import annotations

import dataclasses
import math
import random
import string
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nniannot import nas
from nniannot.errors import CustomAlgorithmError, MetricError, NniAnnotError, ProtocolError
from nniannot.objectives import Objectives
from nniannot.protocol import Metric, MetricRecord, check_metric, check_reportable
from nniannot.runner.assessors import Assessor
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec
from nniannot.runner.experiment_actions import ActionHandler
from nniannot.runner.listener import Listener, Progress
from nniannot.runner.nas_record import adopt
from nniannot.runner.outcome import (
    STOP_ALGORITHM,
    STOP_ASSESSOR,
    STOP_DURATION,
    STOP_INTERRUPT,
    STOP_START_FAILURES,
    STOP_TRIAL_DURATION,
    STOP_USER,
    LiveTrial,
    decide,
    infeasible_message,
)
from nniannot.runner.store import (
    ACTIVE_STATUSES,
    DONE,
    EARLY_STOPPED,
    ERROR,
    EXP_RUNNING,
    FAILED,
    FINISHED_STATUSES,
    RUNNING,
    STOPPED,
    SUCCEEDED,
    Store,
    Trial,
)
from nniannot.runner.tuners import Tuner
from nniannot.runner.tuners.spaces import config_key

TICK = 0.2  # seconds between checks of the duration limit and of posted actions
HEARTBEAT_EVERY = 5.0


@dataclass
class Limits:
    """When an experiment ends, and how much of it runs at once.

    ``max_start_failures``: while no trial has succeeded, that many failed trials in a row end the
    experiment with ERROR (None or 0: never). ``max_trial_duration``: seconds a trial may run before it is
    cancelled and recorded FAILED. ``stop_wait``: seconds a stop waits for running trials to end.
    """

    max_trials: int | None = 20
    max_duration: float | None = None
    concurrency: int = 1
    max_start_failures: int | None = 3
    max_trial_duration: float | None = None
    stop_wait: float = 60.0


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
        objectives: Objectives | None = None,
    ) -> None:
        self.store, self.exp_id, self.tuner, self.assessor = store, exp_id, tuner, assessor
        self.backend, self.make_spec, self.limits = backend, make_spec, limits
        self.listener = listener or Listener()
        self.revision = revision
        self.objectives = objectives  # None: ranked by the 'default' key alone, as without objectives
        self.live: dict[str, LiveTrial] = {}
        self.requeued: deque[Trial] = deque()  # existing trials to run (again)
        self.extra: deque[dict[str, Any]] = deque()  # explicit parameters (rerun, add_trial)
        self.counts: Counter[str] = Counter()
        self.exhausted = False
        self._wait_for_end = False  # the tuner had nothing now but may have more when a trial ends
        self._no_new = False  # only requeued and explicit trials run (rerun_failed(exclusive=True))
        self._stop_reason: str | None = None
        self._stop_since: float | None = None
        self._start_failures = 0  # failed trials in a row while none has succeeded
        self._succeeded = False
        self._failure_note: str | None = None
        self._known_ids: set[str] = set()
        self._replayed: Counter[str] = Counter()  # params of past trials a deterministic tuner may repeat
        self._trial_total = 0
        self._best: tuple[float, str] | None = None
        self._started = time.monotonic()
        self._actions = ActionHandler(store, exp_id, self)
        self._nas_dirs: dict[str, str] = {}

    # public ------------------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop soon: running trials are killed and re-run on resume; the experiment becomes STOPPED."""
        self._stop_reason = self._stop_reason or STOP_INTERRUPT

    @property
    def stopping(self) -> bool:
        """Whether the loop is ending: a stop was requested, or a limit or the failures ended it."""
        return self._stop_reason is not None

    def rerun_failed(self, exclusive: bool = False) -> int:
        """Queue every FAILED trial of this revision again, as a new trial with the same parameters.

        With ``exclusive`` the tuner makes no new suggestions: only these (and requeued trials) run.
        Returns how many were queued.
        """
        failed = self.store.list_trials(self.exp_id, status=FAILED, revision=self.revision)
        self.extra.extend(dict(t.params) for t in failed)
        self._no_new = self._no_new or exclusive
        return len(failed)

    def kill_trial(self, trial_id: str) -> bool:
        """Cancel a running trial (recorded USER_CANCELED); False if it is not running."""
        live = self.live.get(trial_id)
        if live is None:
            return False
        if live.stop_reason is None:
            live.stop_reason = STOP_USER
            self.backend.cancel(trial_id)
        return True

    def add_trial(self, params: dict[str, Any]) -> None:
        """Run a trial with these parameters next (they are not checked here)."""
        self.extra.append(dict(params))

    def update_limits(self, changes: dict[str, Any]) -> None:
        """Change max_trials, max_duration or concurrency now and in the store (values already checked)."""
        for name, value in changes.items():
            setattr(self.limits, name, value)
        self.store.update_experiment(self.exp_id, **changes)

    def run(self) -> str:
        """Run to the end and return the experiment's final status (DONE, STOPPED or ERROR)."""
        self.store.claim(self.exp_id)
        try:
            self.store.set_experiment_status(self.exp_id, EXP_RUNNING)
            if self.objectives is not None:
                self.tuner.set_objectives(len(self.objectives.objectives))
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
                self._replayed[config_key(trial.params)] += 1  # it runs again: the tuner must not repeat it
                continue
            self.counts[trial.status] += 1
            self._tell(trial.id, trial.params, _tuner_value(trial), trial.final, trial.status)
            if self.assessor is not None:
                curve = self.store.curves(self.exp_id, [trial.id]).get(trial.id, [])
                self.assessor.trial_end(trial.id, curve, trial.status in (SUCCEEDED, EARLY_STOPPED))
            succeeded = trial.status == SUCCEEDED and self._feasible(trial.final)
            self._note_best(trial.id, trial.final_default if succeeded else None)
            self._replayed[config_key(trial.params)] += 1
            self._succeeded = self._succeeded or trial.status == SUCCEEDED
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
                self._check_trial_durations(now)
                self.listener.tick(self.progress())
                next_tick = now + TICK
            if now >= next_beat:
                self.store.heartbeat(self.exp_id)
                next_beat = now + HEARTBEAT_EVERY
            if self._stop_reason is not None:
                self._cancel_all(self._stop_reason)
                self._abandon_after(now)
            else:
                self._guarded(self._fill)
            if not self.live and (self._stop_reason is not None or not self._can_add()):
                return self._ending()
            for event in self.backend.events(timeout=max(0.0, min(next_tick, next_beat) - time.monotonic())):
                self._guarded(self._handle, event)

    def _guarded(self, step: Callable[..., None], *args: Any) -> None:
        """Run a step that calls the tuner or assessor. A custom one that fails ends the experiment with
        ERROR and its message; running trials are stopped and run again on resume."""
        try:
            step(*args)
        except CustomAlgorithmError as exc:
            self._failure_note = str(exc)
            self._stop_reason = STOP_ALGORITHM

    def _ending(self) -> tuple[str, str | None]:
        if self._stop_reason == STOP_INTERRUPT:
            return STOPPED, "stopped by the user"
        if self._stop_reason == STOP_DURATION:
            return DONE, "reached the maximum duration"
        if self._stop_reason in (STOP_START_FAILURES, STOP_ALGORITHM):
            return ERROR, self._failure_note
        if self.exhausted:
            return DONE, "the tuner has no more configurations"
        return DONE, None

    def _check_duration(self) -> None:
        limit = self.limits.max_duration
        if limit is not None and self._stop_reason is None and time.monotonic() - self._started >= limit:
            self._stop_reason = STOP_DURATION

    def _check_trial_durations(self, now: float) -> None:
        limit = self.limits.max_trial_duration
        if limit is None:
            return
        for live in self.live.values():
            if live.stop_reason is None and live.started_at is not None and now - live.started_at > limit:
                live.stop_reason = STOP_TRIAL_DURATION
                self.backend.cancel(live.trial_id)

    def _abandon_after(self, now: float) -> None:
        """Once a stop has waited ``stop_wait`` seconds, give up on trials whose end never came."""
        if self._stop_since is None:
            self._stop_since = now
        if not self.live or now - self._stop_since < self.limits.stop_wait:
            return
        for live in list(self.live.values()):
            del self.live[live.trial_id]
            self.store.requeue_trial(
                self.exp_id, live.trial_id, "its end was not seen when the runner stopped; it runs again"
            )

    def _cancel_all(self, reason: str) -> None:
        for live in self.live.values():
            if live.stop_reason is None:
                live.stop_reason = reason
                self.backend.cancel(live.trial_id)

    def _can_add(self) -> bool:
        if self.requeued or self.extra:
            return True
        if self.exhausted or self._no_new or self._wait_for_end:
            return False
        return self.limits.max_trials is None or self._trial_total < self.limits.max_trials

    def _fill(self) -> None:
        while len(self.live) < self.limits.concurrency and self._can_add():
            if self.requeued:
                trial = self.requeued.popleft()
            elif self.extra:
                trial = self._new_trial(self.extra.popleft())
            else:
                if self.live and not self.tuner.ready():
                    return  # asked again when a trial ends
                trial_id = self._fresh_id()
                params = self._suggest(trial_id)
                if params is None:
                    if self.live and self.tuner.more_after_results():
                        self._wait_for_end = True  # ask again when a running trial has ended
                    else:
                        self.exhausted = True
                    return
                trial = self._new_trial(params, trial_id)
            self._submit(trial)

    def _suggest(self, trial_id: str) -> dict[str, Any] | None:
        """The tuner's next parameters, skipping (a bounded number of) repeats of replayed trials."""
        for _ in range(sum(self._replayed.values()) + 1):
            params = self.tuner.suggest(trial_id)
            if params is None or not any(self._replayed.values()):
                return params  # nothing replayed is left to skip (a key costs a pass over the parameters)
            key = config_key(params)
            if not self._replayed[key]:
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
        trial = self.store.begin_attempt(self.exp_id, trial.id)
        spec = self.make_spec(trial)
        self.store.update_trial(self.exp_id, trial.id, dir=spec.trial_dir, command=spec.command)
        if nas.ENV_MODE in spec.env:  # a one-shot trial: its derived architecture becomes its params
            self._nas_dirs[trial.id] = spec.trial_dir
        self.live[trial.id] = LiveTrial(trial.id, trial.seq, dict(trial.params), attempt=trial.attempt)
        self.backend.submit(spec)
        self.listener.trial_started(trial.id, trial.seq, trial.params)

    # events ------------------------------------------------------------------------------------------

    def _handle(self, event: TrialEvent) -> None:
        live = self.live.get(event.trial_id)
        if live is None:
            return
        if event.kind == STARTED:
            live.started_at = time.monotonic()
            self.store.set_trial_status(self.exp_id, live.trial_id, RUNNING)
        elif event.kind == METRIC:
            try:
                self._metric(live, event)
            except NniAnnotError:
                raise  # the store failed: that ends the experiment
            except Exception as exc:  # a record no check foresaw must not end the experiment
                live.problems.append(f"unusable metric record ({type(exc).__name__}: {str(exc)[:200]})")
        elif event.kind == FINISHED:
            self._finished(live, event)

    def _metric(self, live: LiveTrial, event: TrialEvent) -> None:
        live.problems.extend(event.problems)
        record = event.record
        if record is None:
            return
        try:
            metric = self._checked(record)
        except ProtocolError as exc:
            if record.kind == "FINAL":
                live.final_problem = live.final_problem or f"final result: {exc}"
            else:
                live.problems.append(f"intermediate result #{record.sequence}: {exc}")
            return
        if record.kind == "FINAL":
            if live.final is None:  # the first final result counts, as in NNI
                live.final = metric
                self.store.set_final(
                    self.exp_id, live.trial_id, metric.default, metric.whole, attempt=live.attempt
                )
            else:
                live.problems.append(
                    f"a second final result ({metric.default:g}) was ignored: the first one counts"
                )
            return
        self.store.add_intermediate(
            self.exp_id, live.trial_id, len(live.history), metric.default, metric.whole, attempt=live.attempt
        )
        live.history.append(metric.default)
        live.reported.append(metric.whole)
        self.listener.trial_metric(live.trial_id, metric.default)
        stoppable = self.assessor is not None and live.stop_reason is None
        if stoppable and self.assessor.assess_reported(  # type: ignore[union-attr]
            live.trial_id, list(live.history), list(live.reported)
        ):
            live.stop_reason = STOP_ASSESSOR
            self.backend.cancel(live.trial_id)

    def _checked(self, record: MetricRecord) -> Metric:
        """The metric of a record; with objectives, a final result needs their keys (not ``default``) and
        ranks by the first one, and an intermediate result gives the first one's key (else ``default``)."""
        if self.objectives is None:
            return check_metric(record.value)
        if record.kind != "FINAL":
            return check_metric(record.value, (self.objectives.first.key, "default"))
        check_reportable(record.value, None)
        evaluation = self.objectives.evaluate(record.value)
        if evaluation.problem is not None:
            raise MetricError(evaluation.problem)
        return Metric(evaluation.values[0], record.value)

    def _feasible(self, reported: Any) -> bool:
        return self.objectives is None or self.objectives.evaluate(reported).feasible

    def _tell(self, trial_id: str, params: dict[str, Any], value: float, reported: Any, status: str) -> None:
        """Tell the tuner how a trial ended: its value, or with objectives its losses and violation."""
        if self.objectives is None:
            self.tuner.observe_trial(trial_id, params, value, reported, status)
            return
        evaluation = self.objectives.evaluate(reported) if status == SUCCEEDED else None
        if evaluation is None or evaluation.problem is not None:
            losses, violation = (math.nan,) * len(self.objectives.objectives), 0.0
        else:
            losses, violation = evaluation.losses, evaluation.violation
        self.tuner.observe_vector(trial_id, params, losses, violation, reported, status)

    def _finished(self, live: LiveTrial, event: TrialEvent) -> None:
        del self.live[live.trial_id]
        self._wait_for_end = False
        outcome = decide(live, event.exit_code, event.stderr_tail, self.limits.max_trial_duration)
        if outcome.requeue:
            self.store.requeue_trial(self.exp_id, live.trial_id, outcome.message or "interrupted")
            return
        infeasible = None
        if self.objectives is not None and outcome.status == SUCCEEDED and live.final is not None:
            infeasible = infeasible_message(self.objectives, live.final.whole)
        if infeasible is not None:  # still SUCCEEDED: the trial ran well, its result breaks a constraint
            message = "; ".join(m for m in (infeasible, outcome.message) if m)
            outcome = dataclasses.replace(outcome, message=message)
        nas_dir = self._nas_dirs.pop(live.trial_id, None)
        note = None
        if nas_dir is not None and outcome.status == SUCCEEDED:
            note = adopt(self.store, self.exp_id, live.trial_id, nas_dir, live.params)
        self.store.set_trial_status(
            self.exp_id,
            live.trial_id,
            outcome.status,
            message="; ".join(m for m in (outcome.message, note) if m) or None,
            exit_code=event.exit_code,
            stderr_tail=event.stderr_tail or None,
        )
        self.counts[outcome.status] += 1
        self._count_start_failure(outcome.status, outcome.message, event.stderr_tail)
        final = live.final.default if live.final is not None and outcome.status == SUCCEEDED else None
        self._note_best(live.trial_id, final if infeasible is None else None)
        self.listener.trial_finished(live.trial_id, outcome.status, final, outcome.message)
        reported = live.final.whole if live.final is not None else None
        self._tell(live.trial_id, live.params, outcome.value, reported, outcome.status)
        if self.assessor is not None:
            self.assessor.trial_end(
                live.trial_id, list(live.history), outcome.status in (SUCCEEDED, EARLY_STOPPED)
            )

    def _count_start_failure(self, status: str, message: str | None, stderr_tail: str) -> None:
        """End the experiment when its first ``max_start_failures`` trials in a row all failed."""
        limit = self.limits.max_start_failures
        self._succeeded = self._succeeded or status == SUCCEEDED
        if self._succeeded or not limit:
            return
        self._start_failures = self._start_failures + 1 if status == FAILED else 0
        if self._start_failures >= limit and self._stop_reason is None:
            lines = [line.strip() for line in stderr_tail.splitlines() if line.strip()]
            why = lines[-1] if lines else message or "no reason given"
            first = "the first" if self._start_failures == sum(self.counts.values()) else "the last"
            self._failure_note = f"{first} {self._start_failures} trials all failed; the last one: {why}"
            self._stop_reason = STOP_START_FAILURES

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

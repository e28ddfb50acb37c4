"""Results the loop can be trusted with: failures at the start, slow trials, hostile reports and actions."""

from __future__ import annotations

import os
import queue

import pytest

from nniannot.protocol import MetricRecord
from nniannot.runner.backends.base import METRIC, STARTED, Backend, TrialEvent, TrialSpec, drain
from nniannot.runner.backends.inprocess import InProcessBackend, Script
from nniannot.runner.experiment import ExperimentLoop, Limits
from nniannot.runner.store import DONE, ERROR, FAILED, STOPPED, SUCCEEDED, WAITING, open_store
from nniannot.runner.tuners import make_tuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}
BAD_LR = Script(exit_code=1, stderr="Traceback (most recent call last):\n  ...\nValueError: bad lr\n")


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


def _loop(store, tmp_path, backend, limits, *, space=SPACE, tuner="random", exp=None):
    exp = exp or store.create_experiment(name="t", optimize_mode="maximize", search_space=space)

    def make(trial):
        return TrialSpec(exp.id, trial.id, trial.seq, ["trial"], str(tmp_path), os.path.join(tmp_path, trial.id),
                         dict(trial.params))  # fmt: skip

    tuner = make_tuner(tuner, space, optimize_mode="maximize", seed=1)
    return ExperimentLoop(store, exp.id, tuner=tuner, backend=backend, make_spec=make, limits=limits)


def test_the_first_failures_in_a_row_end_the_experiment(store, tmp_path):
    loop = _loop(store, tmp_path, InProcessBackend(lambda spec: BAD_LR), Limits(max_trials=10))
    assert loop.run() == ERROR
    exp = store.get_experiment(loop.exp_id)
    assert exp.message == "the first 3 trials all failed; the last one: ValueError: bad lr"
    assert [t.status for t in store.list_trials(loop.exp_id)] == [FAILED] * 3


@pytest.mark.parametrize("limit", [None, 0])
def test_the_start_failure_limit_can_be_turned_off(store, tmp_path, limit):
    loop = _loop(store, tmp_path, InProcessBackend(lambda spec: BAD_LR), Limits(6, max_start_failures=limit))
    assert loop.run() == DONE and store.get_experiment(loop.exp_id).trial_count == 6


def test_failures_after_a_success_do_not_end_the_experiment(store, tmp_path):
    scripts = iter([Script(final=0.5)] + [BAD_LR] * 5)
    loop = _loop(
        store, tmp_path, InProcessBackend(lambda spec: next(scripts)), Limits(6, max_start_failures=2)
    )
    assert loop.run() == DONE and store.get_experiment(loop.exp_id).trial_count == 6


def test_a_trial_running_longer_than_its_limit_fails(store, tmp_path):
    endless = InProcessBackend(lambda spec: Script(intermediates=[0.1], endless=True))
    loop = _loop(store, tmp_path, endless, Limits(max_trials=1, max_trial_duration=0.05))
    assert loop.run() == DONE
    (trial,) = store.list_trials(loop.exp_id)
    assert (trial.status, trial.message) == (FAILED, "ran longer than the maximum trial duration (0.05s)")


class TwoFinals(Script):
    def steps(self):
        yield TrialEvent(METRIC, "", MetricRecord("FINAL", 0, 0.3))
        yield TrialEvent(METRIC, "", MetricRecord("FINAL", 0, 0.9))


def test_a_second_final_result_is_kept_out_but_not_silently(store, tmp_path):
    loop = _loop(store, tmp_path, InProcessBackend(lambda spec: TwoFinals()), Limits(max_trials=1))
    assert loop.run() == DONE
    (trial,) = store.list_trials(loop.exp_id)
    assert (trial.status, trial.final) == (SUCCEEDED, 0.3)
    assert "second final result (0.9) was ignored" in trial.message


def _deep(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_hostile_metric_becomes_a_problem_of_its_trial(store, tmp_path):
    def handler(spec):
        return Script(intermediates=[_deep(100_000), {"default": 0.5, "deep": _deep(100_000)}], final=0.7)

    loop = _loop(store, tmp_path, InProcessBackend(handler), Limits(max_trials=2))
    assert loop.run() == DONE
    trials = store.list_trials(loop.exp_id)
    assert [(t.status, t.final) for t in trials] == [(SUCCEEDED, 0.7)] * 2
    assert all(t.message for t in trials)  # each unusable record is a recorded problem


def test_bad_action_payloads_are_refused_and_marked_applied(store, tmp_path):
    exp = store.create_experiment(name="t", optimize_mode="maximize", search_space=SPACE, max_trials=2)
    posted = [
        ("update_limits", {"max_trials": 10**19}),
        ("update_limits", {"concurrency": 0}),
        ("update_limits", {"max_duration": 1e300}),
        ("update_limits", {"max_trials": 3, "surprise": 1}),
        ("update_limits", [1, 2]),
        ("kill_trial", {"trial_id": ["x"]}),
        ("update_limits", {"max_trials": 3, "max_duration": "10m"}),
    ]
    for kind, payload in posted:
        store.post_action(exp.id, kind, payload)
    loop = _loop(store, tmp_path, InProcessBackend(lambda spec: Script(final=0.5)), Limits(2), exp=exp)
    assert loop.run() == DONE
    results = [a.result for a in store.actions(exp.id)]
    assert all(r.startswith("refused: ") for r in results[:-1]) and results[-1] == "ok"
    assert "max_trials must be between 1 and 1,000,000,000, but got 10000000000000000000" in results[0]
    assert store.take_actions(exp.id) == []
    got = store.get_experiment(exp.id)
    assert (got.max_trials, got.max_duration, got.trial_count) == (3, 600.0, 3)


def test_rerun_failed_exclusive_runs_only_the_failed_trials(store, tmp_path):
    scripts = iter([Script(final=0.5), BAD_LR, Script(final=0.2), BAD_LR])
    loop = _loop(
        store, tmp_path, InProcessBackend(lambda spec: next(scripts)), Limits(4, max_start_failures=0)
    )
    loop.run()
    failed = {t.id: t.params for t in store.list_trials(loop.exp_id, status=FAILED)}
    exp = store.get_experiment(loop.exp_id)
    again = _loop(store, tmp_path, InProcessBackend(lambda spec: Script(final=0.9)), Limits(20), exp=exp)
    assert again.rerun_failed(exclusive=True) == 2
    assert again.run() == DONE
    trials = store.list_trials(loop.exp_id)
    assert len(trials) == 6
    assert sorted(t.params["x"] for t in trials[4:]) == sorted(p["x"] for p in failed.values())


def test_stopping_says_a_stop_was_requested(store, tmp_path):
    loop = _loop(store, tmp_path, InProcessBackend(lambda spec: Script(final=0.5)), Limits(1))
    assert not loop.stopping
    loop.request_stop()
    assert loop.stopping and loop.run() == STOPPED


def test_a_past_trial_with_3_0_counts_as_the_same_configuration_as_3(store, tmp_path):
    space = {"c": {"_type": "choice", "_value": [1, 2, 3]}}
    exp = store.create_experiment(name="t", optimize_mode="maximize", search_space=space)
    past = store.add_trial(exp.id, {"c": 3.0})
    store.set_final(exp.id, past.id, 3.0, 3.0)
    store.set_trial_status(exp.id, past.id, SUCCEEDED, exit_code=0)
    backend = InProcessBackend(lambda spec: Script(final=float(spec.parameters["c"])))
    loop = _loop(store, tmp_path, backend, Limits(10), space=space, tuner="grid", exp=exp)
    assert loop.run() == DONE
    assert sorted(float(t.params["c"]) for t in store.list_trials(exp.id)) == [1.0, 2.0, 3.0]


class NeverEnds(Backend):
    """Trials that start and never report their end, whatever is done to them."""

    def __init__(self) -> None:
        self._events: queue.Queue[TrialEvent] = queue.Queue()

    def submit(self, spec: TrialSpec) -> None:
        self._events.put(TrialEvent(STARTED, spec.trial_id))

    def events(self, timeout: float) -> list[TrialEvent]:
        return drain(self._events, timeout)

    def cancel(self, trial_id: str) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_stop_gives_up_on_trials_whose_end_never_comes(store, tmp_path):
    backend = NeverEnds()
    loop = _loop(store, tmp_path, backend, Limits(max_trials=2, concurrency=2, stop_wait=0.3))
    original = backend.submit

    def submit_then_stop(spec):
        original(spec)
        if spec.seq == 1:
            loop.request_stop()

    backend.submit = submit_then_stop  # type: ignore[method-assign]
    assert loop.run() == STOPPED
    assert [t.status for t in store.list_trials(loop.exp_id)] == [WAITING, WAITING]

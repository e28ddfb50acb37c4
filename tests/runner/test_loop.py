"""The experiment loop driven by the in-process backend: no processes, no sleeps."""

from __future__ import annotations

import json
import math
import os

import pytest

from nniannot.runner.assessors import Assessor
from nniannot.runner.backends.base import TrialSpec
from nniannot.runner.backends.inprocess import InProcessBackend, Script
from nniannot.runner.experiment import ExperimentLoop, Limits
from nniannot.runner.store import (
    DONE,
    EARLY_STOPPED,
    FAILED,
    STOPPED,
    SUCCEEDED,
    USER_CANCELED,
    WAITING,
    open_store,
)
from nniannot.runner.tuners import make_tuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


def _spec_maker(tmp_path, exp_id):
    def make(trial):
        return TrialSpec(exp_id, trial.id, trial.seq, ["trial"], str(tmp_path), os.path.join(tmp_path, trial.id),
                         dict(trial.params))  # fmt: skip

    return make


def _run(store, tmp_path, handler, *, mode="maximize", limits=None, assessor=None, space=SPACE, tuner="random",
         exp=None):  # fmt: skip
    exp = exp or store.create_experiment(name="t", optimize_mode=mode, search_space=space)
    backend = InProcessBackend(handler)
    loop = ExperimentLoop(
        store, exp.id, tuner=make_tuner(tuner, space, optimize_mode=mode, seed=1), backend=backend,
        make_spec=_spec_maker(tmp_path, exp.id), limits=limits or Limits(max_trials=6, concurrency=2),
        assessor=assessor,
    )  # fmt: skip
    return loop, loop.run(), exp.id


def _x_is_value(spec):
    x = spec.parameters["x"]
    return Script(intermediates=[x / 2, x], final={"default": x, "params": spec.parameters})


@pytest.mark.parametrize("mode", ["maximize", "minimize"])
def test_runs_max_trials_and_finds_best(store, tmp_path, mode):
    _, status, exp_id = _run(store, tmp_path, _x_is_value, mode=mode)
    exp = store.get_experiment(exp_id)
    trials = store.list_trials(exp_id)
    assert status == DONE and exp.status == DONE and len(trials) == 6
    assert all(t.status == SUCCEEDED and t.final["params"] == t.params for t in trials)
    values = [t.final_default for t in trials]
    assert exp.best_value == (max(values) if mode == "maximize" else min(values))
    assert all(t.intermediate_count == 2 for t in trials)


def test_faults_are_recorded_and_the_experiment_goes_on(store, tmp_path):
    scripts = iter([
        Script(exit_code=3, stderr="Traceback ...\nValueError: boom\n"),
        Script(final=math.nan),
        Script(final="not a number"),
        Script(),  # never reports
        Script(garbage=True),
        Script(final=0.5),
    ])  # fmt: skip
    limits = Limits(max_trials=6, concurrency=2, max_start_failures=None)
    _, status, exp_id = _run(store, tmp_path, lambda spec: next(scripts), limits=limits)
    trials = store.list_trials(exp_id)
    got = [(t.status, t.message) for t in trials]
    assert status == DONE
    assert got[0] == (FAILED, "exited with code 3") and "ValueError: boom" in trials[0].stderr_tail
    assert got[1][0] == FAILED and "finite" in got[1][1]
    assert got[2][0] == FAILED and "number" in got[2][1]
    assert got[3] == (SUCCEEDED, "no final result reported") and trials[3].final is None
    assert got[4][0] == FAILED and "garbage" in got[4][1]
    assert got[5] == (SUCCEEDED, None)


class StopAfterTwo(Assessor):
    def __init__(self):
        super().__init__("maximize")
        self.ended = []

    def assess(self, trial_id, history):
        return len(history) >= 2

    def trial_end(self, trial_id, history, succeeded):
        self.ended.append((trial_id, len(history), succeeded))


def test_assessor_stops_trials_early(store, tmp_path):
    assessor = StopAfterTwo()
    _, status, exp_id = _run(
        store, tmp_path, lambda spec: Script(intermediates=[0.1, 0.2, 0.3], endless=True), assessor=assessor
    )
    trials = store.list_trials(exp_id)
    assert status == DONE
    assert {t.status for t in trials} == {EARLY_STOPPED}
    assert all(t.intermediate_count == 2 for t in trials)
    assert len(assessor.ended) == 6 and all(e[2] for e in assessor.ended)


def test_exhausted_tuner_ends_cleanly(store, tmp_path):
    space = {"c": {"_type": "choice", "_value": [1, 2, 3]}}
    _, status, exp_id = _run(
        store, tmp_path, lambda spec: Script(final=spec.parameters["c"]), space=space, tuner="grid",
        limits=Limits(max_trials=10, concurrency=2),
    )  # fmt: skip
    exp = store.get_experiment(exp_id)
    assert status == DONE and exp.trial_count == 3 and exp.best_value == 3
    assert "no more configurations" in store.status_history(exp_id)[-1].message


def test_stop_requeues_running_and_resume_completes(store, tmp_path):
    calls = {"n": 0}

    def handler(spec):
        calls["n"] += 1
        return Script(intermediates=[0.1], final=spec.parameters["x"])

    exp = store.create_experiment(name="t", optimize_mode="maximize", search_space=SPACE)

    class StopAtThird(InProcessBackend):
        def submit(self, spec):
            super().submit(spec)
            if spec.seq == 2:
                loop.request_stop()

    backend = StopAtThird(handler)
    loop = ExperimentLoop(store, exp.id, tuner=make_tuner("random", SPACE, seed=1), backend=backend,
                          make_spec=_spec_maker(tmp_path, exp.id), limits=Limits(max_trials=5, concurrency=2))  # fmt: skip
    assert loop.run() == STOPPED
    before = {t.id: t.status for t in store.list_trials(exp.id)}
    assert WAITING in before.values() and SUCCEEDED in before.values()
    done_before = {i for i, s in before.items() if s == SUCCEEDED}

    _, status, _ = _run(store, tmp_path, handler, exp=exp, limits=Limits(max_trials=5, concurrency=2))
    after = store.list_trials(exp.id)
    assert status == DONE and len(after) == 5 and {t.status for t in after} == {SUCCEEDED}
    assert done_before <= {t.id for t in after}
    assert sorted(t.seq for t in after) == list(range(5))


def test_actions_kill_and_limits(store, tmp_path):
    exp = store.create_experiment(name="t", optimize_mode="maximize", search_space=SPACE)
    posted = {"done": False}

    class PostOnFirst(InProcessBackend):
        def submit(self, spec):
            super().submit(spec)
            if not posted["done"]:
                posted["done"] = True
                store.post_action(exp.id, "kill_trial", {"trial_id": spec.trial_id})
                store.post_action(exp.id, "update_limits", {"max_trials": 3})

    loop = ExperimentLoop(store, exp.id, tuner=make_tuner("random", SPACE, seed=1),
                          backend=PostOnFirst(lambda s: Script(intermediates=[0.1], endless=True) if s.seq == 0
                                              else Script(final=1.0)),
                          make_spec=_spec_maker(tmp_path, exp.id), limits=Limits(max_trials=10, concurrency=1))  # fmt: skip
    assert loop.run() == DONE
    trials = store.list_trials(exp.id)
    assert [t.status for t in trials] == [USER_CANCELED, SUCCEEDED, SUCCEEDED]
    assert store.get_experiment(exp.id).max_trials == 3
    assert all(a.result == "ok" for a in store.actions(exp.id))


@pytest.mark.parametrize("tuner", ["random", "grid", "tpe", "anneal", "evolution", "gp", "batch"])
def test_resume_feeds_every_tuner_the_past(store, tmp_path, tuner):
    from nniannot.runner.tuners import tuner_names

    if tuner not in tuner_names():
        pytest.skip(f"{tuner} is not registered")
    space = {"c": {"_type": "choice", "_value": [1, 2, 3, 4, 5, 6, 7, 8]}}
    if tuner == "batch":
        space = {"combine_params": {"_type": "choice", "_value": [{"c": i} for i in range(1, 9)]}}

    def handler(spec):
        params = spec.parameters.get("combine_params", spec.parameters)
        return Script(final=float(params["c"]))

    exp = store.create_experiment(name="t", optimize_mode="maximize", search_space=space)
    _run(
        store,
        tmp_path,
        handler,
        space=space,
        tuner=tuner,
        exp=exp,
        limits=Limits(max_trials=3, concurrency=1),
    )
    _, status, _ = _run(store, tmp_path, handler, space=space, tuner=tuner, exp=exp,
                        limits=Limits(max_trials=6, concurrency=2))  # fmt: skip
    trials = store.list_trials(exp.id)
    assert status == DONE and len(trials) == 6 and {t.status for t in trials} == {SUCCEEDED}
    if tuner in ("grid", "batch"):  # deterministic tuners do not repeat what already ran
        assert len({json.dumps(t.params, sort_keys=True) for t in trials}) == 6

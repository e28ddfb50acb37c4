"""The loop with declared objectives, driven by the in-process backend: what the tuner is told, on a run
and on a resume, and what the assessor sees."""

from __future__ import annotations

import math
import os

import pytest

from nniannot.objectives import build
from nniannot.runner.backends.base import TrialSpec
from nniannot.runner.backends.inprocess import InProcessBackend, Script
from nniannot.runner.experiment import ExperimentLoop, Limits
from nniannot.runner.store import FAILED, SUCCEEDED, open_store
from nniannot.runner.tuners.random_search import RandomTuner
from nniannot.searchspace import SearchSpace

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}
OBJECTIVES = build(["acc:max", "size:min"], ["lat <= 1"])


class Recording(RandomTuner):
    """A random tuner that writes down what the experiment tells it."""

    def __init__(self) -> None:
        super().__init__(SearchSpace.from_json(SPACE), seed=3)
        self.calls: list[tuple] = []

    def set_objectives(self, count: int) -> None:
        self.calls.append(("set_objectives", count))
        super().set_objectives(count)

    def suggest(self, trial_id):
        self.calls.append(("suggest",))
        return super().suggest(trial_id)

    def observe_vector(self, trial_id, params, losses, violation, reported=None, status=None):
        self.calls.append(("vector", tuple(losses), violation, status))

    def observe_trial(self, trial_id, params, value, reported=None, status=None):
        self.calls.append(("trial", value))


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


def _loop(store, tmp_path, exp_id, handler, tuner, max_trials=3):
    def make(trial):
        return TrialSpec(exp_id, trial.id, trial.seq, ["trial"], str(tmp_path), os.path.join(tmp_path, trial.id),
                         dict(trial.params))  # fmt: skip

    return ExperimentLoop(store, exp_id, tuner=tuner, backend=InProcessBackend(handler), make_spec=make,
                          limits=Limits(max_trials=max_trials), objectives=OBJECTIVES)  # fmt: skip


RESULTS = [
    Script(final={"acc": 0.9, "size": 3.0, "lat": 0.5}),
    Script(final={"acc": 0.8, "size": 1.0, "lat": 1.5}),  # infeasible by 0.5
    Script(final={"acc": 0.7}),  # no size: FAILED
]


def test_the_tuner_gets_every_loss_and_the_violation(store, tmp_path):
    exp = store.create_experiment(name="t", search_space=SPACE, optimize_mode="maximize")
    scripts = iter(RESULTS)
    tuner = Recording()
    _loop(store, tmp_path, exp.id, lambda spec: next(scripts), tuner).run()
    assert tuner.calls[0] == ("set_objectives", 2)
    told = [c[1:] for c in tuner.calls if c[0] == "vector"]
    assert told[0] == ((-0.9, 3.0), 0.0, SUCCEEDED) and told[1] == ((-0.8, 1.0), 0.5, SUCCEEDED)
    assert all(math.isnan(x) for x in told[2][0]) and told[2][1:] == (0.0, FAILED)
    assert not [c for c in tuner.calls if c[0] == "trial"]
    trials = store.list_trials(exp.id)
    assert [t.final_default for t in trials[:2]] == [0.9, 0.8]  # the first objective ranks
    assert "infeasible: lat <= 1 broken by 0.5 (lat = 1.5)" in trials[1].message
    assert trials[2].status == FAILED and "no 'size' entry for the objective" in trials[2].message


def test_a_resume_tells_the_tuner_the_past_as_vectors(store, tmp_path):
    exp = store.create_experiment(name="t", search_space=SPACE, optimize_mode="maximize")
    scripts = iter(RESULTS)
    _loop(store, tmp_path, exp.id, lambda spec: next(scripts), Recording()).run()
    again = Recording()
    _loop(store, tmp_path, exp.id, lambda spec: Script(final={"acc": 0.1, "size": 9, "lat": 0}), again,
          max_trials=4).run()  # fmt: skip
    assert again.calls[0] == ("set_objectives", 2)
    told = [c[1:] for c in again.calls if c[0] == "vector"]
    assert told[:2] == [((-0.9, 3.0), 0.0, SUCCEEDED), ((-0.8, 1.0), 0.5, SUCCEEDED)]
    assert told[3] == ((-0.1, 9.0), 0.0, SUCCEEDED)
    first_suggest = again.calls.index(("suggest",))
    assert first_suggest > 3  # the past was told before the first new suggestion


def test_intermediate_dicts_give_the_first_objective_to_the_assessor(store, tmp_path):
    exp = store.create_experiment(name="t", search_space=SPACE, optimize_mode="maximize")
    script = Script(intermediates=[{"acc": 0.2}, {"default": 0.3}, 0.4, {"size": 1}],
                    final={"acc": 0.5, "size": 1.0, "lat": 0})  # fmt: skip
    _loop(store, tmp_path, exp.id, lambda spec: script, Recording(), max_trials=1).run()
    (trial,) = store.list_trials(exp.id)
    assert store.curves(exp.id, [trial.id])[trial.id] == [0.2, 0.3, 0.4]
    assert "needs a numeric 'acc' or 'default' entry" in trial.message

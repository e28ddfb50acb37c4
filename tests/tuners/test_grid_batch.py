from __future__ import annotations

import pytest

from nniannot.errors import TunerError
from nniannot.searchspace import SearchSpace
from runner.tuners import make_tuner

DISCRETE = {
    "opt": {
        "_type": "choice",
        "_value": ["sgd", {"_name": "adam", "beta": {"_type": "choice", "_value": [0.9, 0.99]}}],
    },
    "n": {"_type": "randint", "_value": [1, 4]},
    "q": {"_type": "quniform", "_value": [0, 1, 0.5]},
}


def test_grid_exhausts_a_discrete_space_then_returns_none():
    tuner = make_tuner("GridSearch", DISCRETE)
    space = SearchSpace.from_json(DISCRETE)
    seen = []
    while (p := tuner.suggest(str(len(seen)))) is not None:
        assert space.contains(p)
        seen.append(p)
    assert len(seen) == 3 * 3 * 3
    assert len({repr(sorted(p.items())) for p in seen}) == len(seen)
    assert tuner.suggest("again") is None


def test_grid_refines_continuous_parameters():
    tuner = make_tuner("grid", {"x": {"_type": "uniform", "_value": [0, 8]}})
    xs = [tuner.suggest(str(i))["x"] for i in range(7)]
    assert xs[0] == 4.0
    assert sorted(xs) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_batch_nni_convention():
    space = {"combine_params": {"_type": "choice", "_value": [{"lr": 0.1, "bs": 8}, {"lr": 0.01, "bs": 16}]}}
    tuner = make_tuner("BatchTuner", space)
    assert tuner.suggest("0") == {"lr": 0.1, "bs": 8}
    assert tuner.suggest("1") == {"lr": 0.01, "bs": 16}
    assert tuner.suggest("2") is None


def test_batch_class_arg_and_bad_space():
    tuner = make_tuner("batch", {"x": {"_type": "uniform", "_value": [0, 1]}}, configs=[{"x": 0.5}])
    assert tuner.suggest("0") == {"x": 0.5}
    with pytest.raises(TunerError, match="combine_params"):
        make_tuner("batch", {"x": {"_type": "uniform", "_value": [0, 1]}})

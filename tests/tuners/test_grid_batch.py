from __future__ import annotations

import pytest

from nniannot.errors import TunerError
from nniannot.runner.tuners import make_tuner
from nniannot.searchspace import SearchSpace

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


def test_default_tuner_is_registered():
    from nniannot.runner.tuners import DEFAULT_TUNER

    assert make_tuner(DEFAULT_TUNER, DISCRETE).suggest("0") is not None


@pytest.mark.parametrize(
    "name", ["TPE", "Random", "Anneal", "Evolution", "GridSearch", "GP", "Hyperband", "BOHB"]
)
def test_nni_names(name):
    assert make_tuner(name, DISCRETE, optimize_mode="maximize") is not None


def test_unknown_tuner_and_argument_are_clear_errors():
    with pytest.raises(TunerError, match=r"known tuners: .*tpe"):
        make_tuner("nosuchtuner", DISCRETE)
    with pytest.raises(TunerError, match="population_size"):
        make_tuner("tpe", DISCRETE, population_size=3)


def test_nni_class_args():
    make_tuner("TPE", DISCRETE, optimize_mode="maximize", tpe_args={"n_startup_jobs": 3, "gamma": 0.2})
    make_tuner("Evolution", DISCRETE, optimize_mode="maximize", population_size=8)
    make_tuner("Hyperband", DISCRETE, optimize_mode="maximize", R=27, eta=3)
    make_tuner("BOHB", DISCRETE, min_budget=1, max_budget=27, eta=3, min_points_in_model=5)
    make_tuner("GP", DISCRETE, cold_start_num=5, utility="ei", kappa=5, xi=0, nu=2.5, alpha=1e-6)


def test_grid_refines_a_very_wide_integer_range_instead_of_stopping():
    tuner = make_tuner("grid", {"n": {"_type": "randint", "_value": [0, 1_000_000]}})
    values = [tuner.suggest(str(i)) for i in range(7)]
    assert all(v is not None and 0 <= v["n"] < 1_000_000 for v in values)
    assert len({v["n"] for v in values}) == 7

"""Metis: a result that looks like an outlier under the GP is run again, once; exploration is optional."""

from __future__ import annotations

from nniannot.runner.tuners import make_tuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}, "c": {"_type": "choice", "_value": ["a", "b"]}}


def _observe_smooth_with_one_outlier(tuner, n=14):
    params = []
    for i in range(n):
        p = tuner.suggest(str(i))
        value = p["x"] ** 2 + (5.0 if i == 6 else 0.0)  # trial 6's measurement is off
        tuner.observe(str(i), p, value)
        params.append(p)
    return params


def test_a_likely_outlier_is_suggested_again_once():
    tuner = make_tuner("MetisTuner", SPACE, optimize_mode="minimize", seed=0, cold_start_num=14)
    params = _observe_smooth_with_one_outlier(tuner)
    again = tuner.suggest("again")
    assert again == params[6]
    tuner.observe("again", again, again["x"] ** 2)
    follow = [tuner.suggest(f"n{i}") for i in range(3)]
    assert params[6] not in follow


def test_no_resampling_never_repeats():
    tuner = make_tuner(
        "metis", SPACE, optimize_mode="minimize", seed=0, cold_start_num=14, no_resampling=True
    )
    params = _observe_smooth_with_one_outlier(tuner)
    assert tuner.suggest("next") not in params


def test_exploration_picks_where_the_gp_knows_least():
    tuner = make_tuner("metis", {"x": {"_type": "uniform", "_value": [0, 1]}}, optimize_mode="minimize", seed=1,
                       cold_start_num=1, exploration_probability=1.0, no_resampling=True)  # fmt: skip
    for i, x in enumerate([0.0, 0.05, 0.1, 0.15, 0.2]):
        tuner.observe(f"o{i}", {"x": x}, x)
    assert tuner.suggest("s0")  # the start-up trial
    assert tuner.suggest("s1")["x"] > 0.6  # far from every observation

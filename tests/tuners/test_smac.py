"""SMAC's random forest: it fits, is unsure away from its data, and splits categorical features by value."""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners import make_tuner
from nniannot.runner.tuners.forest import RandomForest


def test_forest_fits_and_is_less_sure_where_the_data_disagree():
    rng = np.random.default_rng(0)
    X = rng.random((80, 2))
    y = np.where(X[:, 0] < 0.5, 0.0, 1.0) + rng.normal(scale=np.where(X[:, 1] < 0.5, 0.01, 0.5), size=80)
    forest = RandomForest(np.array([False, False]), rng).fit(X, y)
    mean, std = forest.predict(np.array([[0.2, 0.2], [0.8, 0.2], [0.8, 0.9]]))
    assert abs(mean[0]) < 0.15 and abs(mean[1] - 1) < 0.15
    assert std[2] > 3 * std[1]


def test_categorical_split_separates_one_value():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.integers(0, 4, 60).astype(float)])
    y = (X[:, 0] == 2).astype(float)
    mean, _ = RandomForest(np.array([True]), rng).fit(X, y).predict(np.array([[0.0], [2.0], [3.0]]))
    assert mean[1] > 0.9 and mean[0] < 0.1 and mean[2] < 0.1


def test_config_dedup_never_repeats_a_configuration():
    space = {"a": {"_type": "choice", "_value": [1, 2]}, "x": {"_type": "uniform", "_value": [0, 1]}}
    tuner = make_tuner("SMAC", space, optimize_mode="minimize", seed=0, config_dedup=True, n_startup=3)
    seen = []
    for i in range(25):
        p = tuner.suggest(str(i))
        assert p not in seen
        seen.append(p)
        tuner.observe(str(i), p, (p["x"] - 0.5) ** 2 + p["a"])


def test_smac_finds_the_better_region():
    space = {"a": {"_type": "choice", "_value": ["bad", "good"]}, "x": {"_type": "uniform", "_value": [0, 1]}}
    tuner = make_tuner("smac", space, optimize_mode="maximize", seed=2)
    late = []
    for i in range(40):
        p = tuner.suggest(str(i))
        tuner.observe(str(i), p, (p["a"] == "good") - (p["x"] - 0.7) ** 2)
        if i >= 20:
            late.append(p["a"])
    assert late.count("good") >= 12  # random interleaving aside, the model exploits the good option

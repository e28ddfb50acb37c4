"""Server-side chart data: sampling, best-so-far, importance, architecture statistics."""

from __future__ import annotations

import random

import numpy as np

from nniannot.runner.store import TrialPoint
from nniannot.viewer.analysis import (
    axes_of,
    best_history,
    importance,
    last_finished,
    metric_points,
    omega_squared,
    sample,
)
from nniannot.viewer.architecture import architecture
from nniannot.viewer.serialize import param_columns


def _point(seq, value, **params):
    return TrialPoint(f"t{seq}", seq, "SUCCEEDED", params, value, value, 0.0, 1.0, 0)


def test_sample_keeps_the_best_and_the_order():
    points = [_point(i, float(i % 97)) for i in range(1000)]
    shown = sample(points, 100, "maximize")
    assert len(shown) == 100 and [p.seq for p in shown] == sorted(p.seq for p in shown)
    best = sorted(points, key=lambda p: -p.final_default)[:25]
    assert {p.seq for p in best} <= {p.seq for p in shown}
    assert sample(points[:50], 100, "maximize") == points[:50]
    low = sample(points, 100, "minimize")
    assert min(p.final_default for p in low) == 0.0


def test_best_history_is_the_improvements_only():
    points = [_point(0, 3.0), _point(1, 1.0), _point(2, None), _point(3, 5.0), _point(4, float("nan"))]
    assert best_history(points, "maximize") == [[0, 3.0, "t0"], [3, 5.0, "t3"]]
    assert best_history(points, "minimize") == [[0, 3.0, "t0"], [1, 1.0, "t1"]]


def test_importance_finds_the_parameter_that_matters():
    rng = random.Random(0)
    points = []
    for i in range(200):
        a, b = rng.choice(["x", "y", "z"]), rng.uniform(0, 1)
        points.append(_point(i, {"x": 0.0, "y": 1.0, "z": 2.0}[a] + rng.gauss(0, 0.1), a=a, b=b))
    space = {"a": {"_type": "choice", "_value": ["x", "y", "z"]}, "b": {"_type": "uniform", "_value": [0, 1]}}
    found = importance(points, axes_of(param_columns(space)))
    ranked = found["axes"]
    assert found["trials"] == 200 and [r["name"] for r in ranked] == ["a", "b"]
    assert ranked[0]["importance"] > 0.9 and ranked[1]["importance"] < 0.1
    assert ranked[0]["low"] <= ranked[0]["importance"] <= ranked[0]["high"]
    assert ranked[0]["smallest_group"] >= 50
    assert importance(points[:2], axes_of(param_columns(space))) == {"trials": 2, "axes": []}


def test_importances_sum_to_one_even_when_parameters_are_confounded():
    # Three copies of one parameter each explain most of the variance on their own: their raw omega
    # squared sum to about 3, the importances shown must still sum to 1.
    rng = random.Random(1)
    points = []
    for i in range(120):
        a = rng.choice([0, 1, 2])
        points.append(_point(i, a + rng.gauss(0, 0.05), a=a, b=a, c=a))
    space = {k: {"_type": "choice", "_value": [0, 1, 2]} for k in "abc"}
    ranked = importance(points, axes_of(param_columns(space)))["axes"]
    assert sum(r["omega2"] for r in ranked) > 2.5
    assert abs(sum(r["importance"] for r in ranked) - 1) < 1e-9
    assert all(0 <= r["low"] <= r["high"] <= 1 for r in ranked)


def test_best_so_far_reaches_the_last_finished_trial():
    points = [_point(0, 3.0), _point(1, 5.0), _point(2, 1.0), _point(3, 2.0)]
    points.append(TrialPoint("t4", 4, "RUNNING", {}, None, None, 0.0, None, 0))
    assert best_history(points, "maximize")[-1][0] == 1 and last_finished(points) == 3
    assert [p[0] for p in metric_points(points, 10)] == [0, 1, 2, 3]
    assert len(metric_points(points, 2)) == 2 and last_finished(points[4:]) is None


def test_omega_squared_does_not_reward_one_trial_per_group():
    y = np.arange(6, dtype=float)
    assert omega_squared(y, np.arange(6)) == 0.0
    assert omega_squared(np.array([1.0, 1, 1, 1]), np.array([0, 0, 1, 1])) == 0.0


def test_architecture_statistics():
    key = "m/mutable_block_3"
    space = {key: {"_type": "mutable_layer", "_value": {
        "mutable_layer_0": {"layer_choice": ["conv", "pool"], "optional_inputs": ["a", "b"], "optional_input_size": 1}}}}  # fmt: skip
    points = [
        _point(i, float(i), **{key: {"mutable_layer_0": {"chosen_layer": "conv" if i >= 5 else "pool",
                                                         "chosen_inputs": ["a"] if i % 2 else ["b"]}}})
        for i in range(10)
    ]  # fmt: skip
    arch = architecture(space, points, "maximize", 0.2)
    layer = arch["blocks"][0]["layers"][0]
    conv, pool = layer["candidates"]
    assert conv["top_share"] == 1.0 and conv["best"] and conv["effect"] == 2.5 and pool["effect"] == -2.5
    a, b = layer["inputs"]
    assert a["best"] and not b["best"] and a["top_share"] == 0.5
    assert arch["best"] == {"trial_id": "t9", "value": 9.0} and arch["top_trials"] == 2
    assert architecture({}, points, "maximize")["blocks"] == []

"""Expected hypervolume improvement: the box decomposition, the closed form and its gradient, and the GP
tuner that uses it for several objectives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nniannot.errors import TunerError
from nniannot.pareto import hypervolume
from nniannot.runner.tuners import make_tuner
from nniannot.runner.tuners.ehvi import box_decomposition, front_of, log_ehvi

unit = st.floats(0.0, 1.0, allow_nan=False, width=32)


def _improvement(front: np.ndarray, y: np.ndarray, ref: np.ndarray) -> float:
    pts = [tuple(map(float, r)) for r in front]
    return hypervolume([*pts, tuple(map(float, y))], tuple(ref)) - hypervolume(pts, tuple(ref))


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(2, 4),
    data=st.data(),
)
def test_the_boxes_measure_exactly_what_a_point_adds(m, data):
    """For any front and any new point, the boxes' overlap with ``[y, ref]`` is the hypervolume gained."""
    front = data.draw(hnp.arrays(float, st.tuples(st.integers(1, 9), st.just(m)), elements=unit))
    front = front_of(front)
    ref = np.full(m, 1.1)
    lower, upper = box_decomposition(front, ref)
    assert (upper > lower).all()
    for y in data.draw(hnp.arrays(float, (4, m), elements=st.floats(-0.25, 1.25, width=32))):
        overlap = np.prod(np.clip(upper - np.maximum(lower, y), 0.0, None), axis=1).sum()
        assert overlap == pytest.approx(_improvement(front, y, ref), abs=1e-9)


def test_an_empty_front_leaves_the_whole_region_open():
    lower, upper = box_decomposition(np.zeros((0, 2)), np.array([1.0, 2.0]))
    assert lower.tolist() == [[-math.inf, -math.inf]] and upper.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("m", [2, 3])
def test_the_closed_form_matches_sampling_and_its_gradient_matches_differences(m):
    rng = np.random.default_rng(m)
    front = front_of(rng.random((8, m)))
    lower, upper = box_decomposition(front, np.full(m, 1.2))
    mean = rng.random((3, m))
    std = 0.05 + 0.3 * rng.random((3, m))
    value, d_mean, d_std = log_ehvi(mean, std, lower, upper, grad=True)
    for i in range(3):
        draws = mean[i] + std[i] * rng.standard_normal((100_000, m))
        gain = np.prod(np.clip(upper[None] - np.maximum(lower[None], draws[:, None, :]), 0, None), axis=2)
        assert math.exp(value[i]) == pytest.approx(gain.sum(axis=1).mean(), rel=0.02)
    eps = 1e-6
    for j in range(m):
        step = np.zeros((3, m))
        step[:, j] = eps
        numeric_mean = (log_ehvi(mean + step, std, lower, upper)[0] - value) / eps
        numeric_std = (log_ehvi(mean, std + step, lower, upper)[0] - value) / eps
        assert d_mean[:, j] == pytest.approx(numeric_mean, rel=1e-3, abs=1e-4)
        assert d_std[:, j] == pytest.approx(numeric_std, rel=1e-3, abs=1e-4)


def test_far_from_the_front_the_log_stays_finite_and_ordered():
    """Where the improvement underflows a float, the log still ranks the nearer point higher."""
    lower, upper = box_decomposition(np.array([[0.0, 0.0]]), np.array([1.0, 1.0]))
    std = np.full((2, 2), 0.01)
    value, d_mean, d_std = log_ehvi(np.array([[3.0, 3.0], [5.0, 5.0]]), std, lower, upper, grad=True)
    assert np.isfinite(value).all() and np.isfinite(d_mean).all() and np.isfinite(d_std).all()
    assert value[0] > value[1]
    assert (d_mean < 0).all()


SPACE = {
    "x": {"_type": "uniform", "_value": [0, 1]},
    "y": {"_type": "uniform", "_value": [0, 1]},
}


def _run(multi_objective: str, n: int, seed: int = 0) -> list[list[float]]:
    tuner = make_tuner(
        "gp",
        SPACE,
        optimize_mode="minimize",
        seed=seed,
        n_startup=6,
        n_pool=256,
        multi_objective=multi_objective,
    )
    tuner.set_objectives(2)
    out = []
    for i in range(n):
        p = tuner.suggest(str(i))
        losses = [p["x"], 1 - math.sqrt(p["x"]) + p["y"]]  # front: y = 0, convex in x
        tuner.observe_vector(str(i), p, losses, 0.0, None, "SUCCEEDED")
        out.append(losses)
    return out


def test_the_gp_tuner_moves_along_the_front():
    """After the start-up design, EHVI's suggestions lie close to the front (y small) and spread over it."""
    values = _run("ehvi", 26)
    later = np.array(values[6:])
    gap = later[:, 1] - (1 - np.sqrt(later[:, 0]))  # = y: the distance to the front
    assert np.median(gap) < 0.1, gap
    assert np.ptp(later[:, 0]) > 0.5, later[:, 0]
    assert hypervolume(values, (1.1, 2.1)) > hypervolume(values[:6], (1.1, 2.1))


def test_parallel_suggestions_differ():
    """Running trials count at their predicted values, so a batch does not repeat one point."""
    tuner = make_tuner("gp", SPACE, optimize_mode="minimize", seed=1, n_startup=4, n_pool=256)
    tuner.set_objectives(2)
    for i in range(8):
        p = tuner.suggest(str(i))
        tuner.observe_vector(str(i), p, [p["x"], 1 - p["x"] + p["y"]], 0.0, None, "SUCCEEDED")
    batch = [tuner.suggest(f"b{i}") for i in range(4)]
    points = {(round(p["x"], 3), round(p["y"], 3)) for p in batch}
    assert len(points) == 4, batch


def test_an_unknown_multi_objective_method_is_refused():
    with pytest.raises(TunerError, match=r"multi_objective must be 'auto', 'ehvi' or 'parego'"):
        make_tuner("gp", SPACE, multi_objective="nsga")


def test_past_its_cap_the_model_keeps_the_front_and_a_spread_of_the_rest(monkeypatch):
    """Beyond ``max_points`` results the GPs see a subset: every front member, then rows spread over the
    ranks; suggestions stay valid."""
    from nniannot.runner.tuners.ehvi import Ehvi

    monkeypatch.setattr(Ehvi, "max_points", 16)
    tuner = make_tuner("gp", SPACE, optimize_mode="minimize", seed=2, n_startup=4, n_pool=128)
    tuner.set_objectives(2)
    for i in range(30):
        p = tuner.suggest(str(i))
        assert 0 <= p["x"] <= 1 and 0 <= p["y"] <= 1
        tuner.observe_vector(str(i), p, [p["x"], 1 - p["x"] + p["y"]], 0.0, None, "SUCCEEDED")
    Z = np.random.default_rng(0).random((40, 2))
    keep = tuner._ehvi._subset(Z)
    assert len(keep) == 16 and len(set(keep.tolist())) == 16
    assert set(front_indices(Z)) <= set(keep.tolist())


def front_indices(Z: np.ndarray) -> list[int]:
    from nniannot.pareto import pareto_front

    return pareto_front([tuple(r) for r in Z])

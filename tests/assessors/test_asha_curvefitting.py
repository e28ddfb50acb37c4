from __future__ import annotations

import math

import pytest

from nniannot.errors import TunerError
from nniannot.runner.assessors import make_assessor


def _curve(final: float, rate: float, n: int = 20) -> list[float]:
    """A saturating accuracy curve rising towards ``final``."""
    return [final * (1 - math.exp(-rate * t)) for t in range(1, n + 1)]


def _run(assessor, trial_id, curve):
    for t in range(1, len(curve) + 1):
        if assessor.assess(trial_id, curve[:t]):
            assessor.trial_end(trial_id, curve[:t], True)
            return t
    assessor.trial_end(trial_id, curve, True)
    return None


def test_curvefitting_stops_a_hopeless_trial_and_keeps_a_good_one():
    a = make_assessor("Curvefitting", optimize_mode="maximize", epoch_num=20, start_step=6)
    for i, final in enumerate([0.8, 0.85, 0.9]):
        assert _run(a, f"ref{i}", _curve(final, 0.4)) is None  # nothing to beat yet, or they beat it
    stopped_at = _run(a, "bad", _curve(0.3, 0.4))
    assert stopped_at is not None and stopped_at >= 6
    assert _run(a, "good", _curve(0.95, 0.4)) is None


def test_curvefitting_waits_for_start_step_and_handles_minimize():
    a = make_assessor("curvefitting", optimize_mode="minimize", epoch_num=20, start_step=8)
    for i in range(3):
        _run(a, f"ref{i}", [1.0 / t for t in range(1, 21)])
    losses = [5.0 + 1.0 / t for t in range(1, 21)]
    assert not any(a.assess("bad", losses[:t]) for t in range(1, 8))
    assert a.assess("bad", losses[:8])


def test_curvefitting_keeps_a_slow_starter_that_is_still_climbing_steeply():
    a = make_assessor("curvefitting", epoch_num=20)
    for i in range(3):
        _run(a, f"ref{i}", _curve(0.6, 0.5))
    slow = [0.05 * t for t in range(1, 21)]  # linear climb to 1.0
    assert _run(a, "slow", slow) is None


def test_asha_stops_below_the_top_third_at_a_rung():
    a = make_assessor("asha", optimize_mode="maximize", min_resource=1, eta=3, bootstrap_count=3)
    for i, v in enumerate([0.5, 0.6, 0.7]):
        assert not a.assess(f"t{i}", [v])
    assert a.assess("low", [0.1])  # 4 values at step 1: only the best one continues
    assert not a.assess("high", [0.9])
    assert not a.assess("high", [0.9, 0.9])  # step 2 is no rung
    assert not a.assess("high", [0.9, 0.9, 0.95])  # first at the step-3 rung, bootstrap not reached


@pytest.mark.parametrize(
    "name,kwargs,word",
    [
        ("asha", {"eta": 1}, "eta"),
        ("asha", {"min_resource": 0}, "min_resource"),
        ("curvefitting", {"gap": 0}, "gap"),
    ],
)
def test_bad_arguments(name, kwargs, word):
    with pytest.raises(TunerError, match=word):
        make_assessor(name, **kwargs)


def test_nni_class_args_are_accepted():
    make_assessor("Curvefitting", optimize_mode="maximize", epoch_num=20, start_step=6, threshold=0.95, gap=1)
    make_assessor("Medianstop", optimize_mode="minimize", start_step=3)

"""The contract every registered tuner keeps (a new tuner is tested by adding it to the registry)."""

from __future__ import annotations

import math

import pytest

from nniannot.runner.tuners import TUNERS
from nniannot.searchspace import SearchSpace
from tests.tuners.spaces import CHOICES_ONLY, EVERY_TYPE, REPEATING, SEARCHING, SMALL_DISCRETE, build, strip

ALL = sorted(n for n in TUNERS if n not in CHOICES_ONLY)


def _value(params) -> float:
    return float(len(repr(sorted(params.items()))) % 7)


@pytest.mark.parametrize("name", ALL)
def test_sequential_suggestions_are_inside_the_space(name):
    space = SearchSpace.from_json(EVERY_TYPE)
    tuner = build(name, EVERY_TYPE, seed=1)
    for i in range(30):
        params = tuner.suggest(str(i))
        assert params is not None
        assert space.contains(strip(params)), params
        value = [math.nan, math.inf, -math.inf][i % 3] if i % 5 == 4 else _value(params)
        tuner.observe(str(i), params, value)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("pending", [0, 1, 12])
def test_pending_trials(name, pending):
    space = SearchSpace.from_json(EVERY_TYPE)
    tuner = build(name, EVERY_TYPE, seed=2)
    queue = []
    for i in range(24):
        params = tuner.suggest(str(i))
        assert params is not None and space.contains(strip(params))
        queue.append((str(i), params))
        while len(queue) > pending:
            tid, p = queue.pop(0)
            tuner.observe(tid, p, _value(p))


@pytest.mark.parametrize("name", SEARCHING)
def test_reproducible_by_seed(name):
    runs = []
    for _ in range(2):
        tuner = build(name, EVERY_TYPE, seed=7)
        out = []
        for i in range(16):
            params = tuner.suggest(str(i))
            tuner.observe(str(i), params, _value(params))
            out.append(params)
        runs.append(out)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", [n for n in SEARCHING if n not in REPEATING])
@pytest.mark.parametrize("pending", [0, 5])
def test_no_duplicates_in_a_small_discrete_space_then_none(name, pending):
    tuner = build(name, SMALL_DISCRETE, seed=3)
    space = SearchSpace.from_json(SMALL_DISCRETE)
    seen, queue = [], []
    for i in range(12):
        params = tuner.suggest(str(i))
        assert params is not None and space.contains(params)
        assert params not in seen
        seen.append(params)
        queue.append((str(i), params))
        while len(queue) > pending:
            tid, p = queue.pop(0)
            tuner.observe(tid, p, _value(p))
    assert tuner.suggest("last") is None


@pytest.mark.parametrize("name", SEARCHING)
def test_only_failures_observed(name):
    tuner = build(name, {"x": {"_type": "uniform", "_value": [0, 1]}}, seed=0)
    for i in range(15):
        params = tuner.suggest(str(i))
        assert 0 <= strip(params)["x"] <= 1
        tuner.observe(str(i), params, math.nan)

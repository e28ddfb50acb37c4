"""Multi-objective and constrained experiments through the tuner interface (set_objectives/observe_vector)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nniannot.runner.tuners import DEFAULT_MULTI_OBJECTIVE_TUNER, TUNERS
from nniannot.searchspace import SearchSpace
from tests.tuners.spaces import CHOICES_ONLY, EVERY_TYPE, build, strip

MODEL_BASED = ("tpe", "gp", "evolution")
MIXED = {
    "x": {"_type": "uniform", "_value": [0, 1]},
    "y": {"_type": "uniform", "_value": [0, 1]},
    "k": {"_type": "randint", "_value": [0, 4]},
    "c": {"_type": "choice", "_value": ["a", "b", "c"]},
}
CHOICES = {"a": {"_type": "choice", "_value": [1, 2, 3, 4]}, "b": {"_type": "choice", "_value": ["p", "q"]}}


def _model(name: str, space: dict, seed: int, n_startup: int):
    """A model-based tuner with a short start-up (and, for the GP, a small acquisition pool: faster)."""
    if name == "evolution":
        return build(name, space, seed=seed, population_size=max(2, n_startup))
    extra = {"n_pool": 128} if name == "gp" else {}
    return build(name, space, seed=seed, n_startup=n_startup, **extra)


def _losses(params: dict, m: int) -> list[float]:
    x, y = float(params["x"]), float(params["y"])
    out = [x + 0.1 * params["k"], (1 - x) ** 2 + y, y + (params["c"] == "b")]
    return out[:m]


@pytest.mark.parametrize("name", sorted(TUNERS))
def test_every_tuner_accepts_a_multi_objective_experiment(name):
    """Tuners without a multi-objective model learn the first objective through the base default."""
    spec = CHOICES if name in CHOICES_ONLY else EVERY_TYPE
    space = SearchSpace.from_json(spec)
    tuner = build(name, spec, seed=3)
    tuner.set_objectives(2)
    for i in range(12):
        params = tuner.suggest(str(i))
        if params is None:
            break
        assert space.contains(strip(params)), params
        losses = [math.nan, math.nan] if i % 5 == 4 else [len(repr(params)) % 7, i % 3]
        tuner.observe_vector(str(i), params, losses, 1.0 if i % 4 == 3 else 0.0, None, "SUCCEEDED")


def test_the_default_multi_objective_tuner_has_a_multi_objective_model():
    assert TUNERS[DEFAULT_MULTI_OBJECTIVE_TUNER]
    assert build(DEFAULT_MULTI_OBJECTIVE_TUNER, MIXED).supports_multi_objective


loss = st.one_of(st.floats(-1e6, 1e6), st.just(math.nan), st.just(math.inf))


@pytest.mark.parametrize("name", MODEL_BASED)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    m=st.integers(1, 3),
    rows=st.lists(
        st.tuples(
            st.lists(loss, min_size=3, max_size=3), st.sampled_from([0.0, 0.0, 2.5, math.nan]), st.booleans()
        ),
        min_size=1,
        max_size=16,
    ),
)
def test_never_crash_on_odd_histories(name, m, rows):
    """NaN/inf losses, infeasible-only histories and repeated points, with 1 to 3 objectives."""
    space = SearchSpace.from_json(MIXED)
    tuner = _model(name, MIXED, seed=0, n_startup=2)
    tuner.set_objectives(m)
    previous = None
    for i, (values, violation, repeat) in enumerate(rows):
        params = tuner.suggest(str(i))
        assert params is not None and space.contains(params)
        if repeat and previous is not None:
            params = previous  # the same point reported again (another trial ran it)
        tuner.observe_vector(str(i), params, values[:m], violation, None, "SUCCEEDED")
        previous = params
    assert space.contains(tuner.suggest("last"))


@pytest.mark.parametrize("name", MODEL_BASED)
def test_seeded_multi_objective_runs_are_reproducible(name):
    runs = []
    for _ in range(2):
        tuner = _model(name, MIXED, seed=11, n_startup=4)
        tuner.set_objectives(3)
        out = []
        for i in range(14):
            params = tuner.suggest(str(i))
            tuner.observe_vector(str(i), params, _losses(params, 3), 0.0, None, "SUCCEEDED")
            out.append(params)
        runs.append(out)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", MODEL_BASED)
def test_constraints_steer_to_the_feasible_region(name):
    """Both objectives pull towards (0, 0), but only x >= 0.6 and y >= 0.6 is feasible (16% of the square):
    after the start-up trials, random sampling would average 3.2 feasible ones in 20; these tuners find
    at least twice that."""
    space = {"x": MIXED["x"], "y": MIXED["y"]}
    tuner = _model(name, space, seed=5, n_startup=8)
    tuner.set_objectives(2)
    feasible = []
    for i in range(40):
        params = tuner.suggest(str(i))
        x, y = params["x"], params["y"]
        violation = max(0.0, 0.6 - x) + max(0.0, 0.6 - y)
        tuner.observe_vector(str(i), params, [x + 0.2 * y, y + 0.2 * x], violation, None, "SUCCEEDED")
        feasible.append(violation == 0)
    assert sum(feasible[20:]) >= 7, feasible

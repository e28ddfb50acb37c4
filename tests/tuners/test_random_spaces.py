"""Property test: on any valid search space, every tuner's suggestions lie inside it."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nniannot.searchspace import SearchSpace
from tests.tuners.spaces import SEARCHING, build, strip

finite = st.floats(-100, 100, allow_nan=False)
positive = st.floats(1e-3, 100, allow_nan=False)


@st.composite
def bounded(draw, log: bool, q: bool):
    low = draw(positive if log else finite)
    high = low + draw(st.floats(1e-2, 100))
    value = [low, high] + ([draw(st.floats(1e-2, 10))] if q else [])
    return {"_type": ("q" if q else "") + ("loguniform" if log else "uniform"), "_value": value}


@st.composite
def gaussian(draw, log: bool, q: bool):
    mu = draw(st.floats(-3, 3)) if log else draw(finite)
    value = [mu, draw(st.floats(0.1, 3))] + ([draw(st.floats(0.1, 5))] if q else [])
    return {"_type": ("q" if q else "") + ("lognormal" if log else "normal"), "_value": value}


@st.composite
def randint(draw):
    low = draw(st.integers(-50, 50))
    return {"_type": "randint", "_value": [low, low + draw(st.integers(1, 30))]}


@st.composite
def mutable(draw):
    n = draw(st.integers(0, 5))
    low = draw(st.integers(0, n))
    high = draw(st.integers(low, n))
    layer = {
        "layer_choice": [f"op{i}" for i in range(draw(st.integers(1, 3)))],
        "optional_inputs": [f"in{i}" for i in range(n)],
        "optional_input_size": [low, high] if low != high else low,
    }
    return {"_type": "mutable_layer", "_value": {"layer_0": layer}}


leaf = st.one_of(
    *(bounded(log, q) for log in (False, True) for q in (False, True)),
    *(gaussian(log, q) for log in (False, True) for q in (False, True)),
    randint(),
    mutable(),
    st.lists(
        st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans()), min_size=1, max_size=5, unique=True
    ).map(lambda v: {"_type": "choice", "_value": v}),
)


@st.composite
def spaces(draw):
    keys = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True))
    space = {k: draw(leaf) for k in keys}
    if draw(st.booleans()):
        space["nested"] = {"_type": "choice", "_value": ["plain", {"_name": "sub", "x": draw(leaf)}]}
    return space


@pytest.mark.parametrize("name", SEARCHING)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), seed=st.integers(0, 2**16))
def test_suggestions_inside_any_space(name, space, seed):
    parsed = SearchSpace.from_json(space)
    tuner = build(name, space, seed=seed)
    for i in range(13):
        params = tuner.suggest(str(i))
        if params is None:  # a small discrete space, fully tried
            break
        assert parsed.contains(strip(params)), (params, space)
        value = math.nan if i == 4 else float(len(repr(params)) % 5)
        tuner.observe(str(i), params, value)

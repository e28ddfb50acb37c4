"""TPE's and GP's caps on the observations a model is fitted to: nothing changes below them, results stay
seeded above them."""

from __future__ import annotations

import pytest

from nniannot.runner.tuners import make_tuner

SPACE = {
    "opt": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
    "layers": {"_type": "randint", "_value": [1, 9]},
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
}


def _value(p: dict) -> float:
    return {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.1}[p["opt"]] + (p["layers"] - 4) ** 2 + abs(p["lr"] - 1e-3)


CAPS = {"tpe": "max_bad", "gp": "max_points"}


def _suggestions(cap: int | None, name: str = "tpe", observed: int = 14, rounds: int = 3) -> list[dict]:
    tuner = make_tuner(name, SPACE, optimize_mode="minimize", seed=3)
    if cap is not None:
        setattr(tuner, CAPS[name], cap)
    out = []
    for i in range(observed + rounds):
        params = tuner.suggest(str(i))
        assert params is not None
        tuner.observe(str(i), params, _value(params))
        if i >= observed:
            out.append(params)
    return out


@pytest.mark.parametrize("name", sorted(CAPS))
def test_below_the_cap_suggestions_equal_an_uncapped_tuners(name: str) -> None:
    assert _suggestions(None, name) == _suggestions(10**9, name)


@pytest.mark.parametrize("name", sorted(CAPS))
def test_above_the_cap_suggestions_are_valid_and_reproducible(name: str) -> None:
    capped = _suggestions(8, name)
    assert capped == _suggestions(8, name)
    for params in capped:
        assert params["opt"] in ("sgd", "adam", "rmsprop")
        assert 1 <= params["layers"] < 9
        assert 1e-5 <= params["lr"] <= 1e-1

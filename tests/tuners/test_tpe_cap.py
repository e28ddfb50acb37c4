"""TPE's cap on the observations behind g(x): nothing changes below it, results stay seeded above it."""

from __future__ import annotations

from nniannot.runner.tuners import make_tuner

SPACE = {
    "opt": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
    "layers": {"_type": "randint", "_value": [1, 9]},
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
}


def _value(p: dict) -> float:
    return {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.1}[p["opt"]] + (p["layers"] - 4) ** 2 + abs(p["lr"] - 1e-3)


def _suggestions(max_bad: int | None, observed: int = 40, rounds: int = 5) -> list[dict]:
    tuner = make_tuner("tpe", SPACE, optimize_mode="minimize", seed=3)
    if max_bad is not None:
        tuner.max_bad = max_bad  # type: ignore[attr-defined]
    out = []
    for i in range(observed + rounds):
        params = tuner.suggest(str(i))
        assert params is not None
        tuner.observe(str(i), params, _value(params))
        if i >= observed:
            out.append(params)
    return out


def test_below_the_cap_suggestions_equal_an_uncapped_tuners() -> None:
    assert _suggestions(None) == _suggestions(10**9)


def test_above_the_cap_suggestions_are_valid_and_reproducible() -> None:
    capped = _suggestions(8)
    assert capped == _suggestions(8)
    for params in capped:
        assert params["opt"] in ("sgd", "adam", "rmsprop")
        assert 1 <= params["layers"] < 9
        assert 1e-5 <= params["lr"] <= 1e-1

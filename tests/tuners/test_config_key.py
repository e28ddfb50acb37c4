"""The identity of a configuration, which tuners and the loop keep one of per trial."""

from __future__ import annotations

from nniannot.runner.tuners.random_search import RandomTuner
from nniannot.runner.tuners.spaces import config_key
from nniannot.searchspace import SearchSpace


def test_equal_configurations_have_one_key_and_different_ones_another() -> None:
    assert config_key({"a": 3, "b": "x"}) == config_key({"b": "x", "a": 3.0})
    assert config_key({"a": 3}) != config_key({"a": 4})
    assert config_key({"a": [1, 2]}) == config_key({"a": (1.0, 2)})
    assert config_key({"a": True}) != config_key({"a": 1})
    assert config_key({"a": None}) != config_key({"a": "None"})


def test_a_key_stays_short_however_many_parameters_there_are() -> None:
    space = SearchSpace.from_json(
        {f"m/v{i}/choice": {"_type": "choice", "_value": [1, 2, 3]} for i in range(20_000)}
    )
    tuner = RandomTuner(space, seed=0)
    for i in range(5):
        params = tuner.suggest(f"t{i}")
        assert params is not None and len(params) == 20_000
        assert len(config_key(params)) == 32
    assert len(tuner._seen) == 5 and all(len(key) == 32 for key in tuner._seen)

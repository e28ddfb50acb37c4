"""Search spaces and helpers shared by the tuner tests."""

from __future__ import annotations

from typing import Any

from nniannot.runner.tuners import TUNERS, make_tuner

EVERY_TYPE: dict[str, Any] = {
    "opt": {
        "_type": "choice",
        "_value": [
            "sgd",
            {"_name": "adam", "beta": {"_type": "uniform", "_value": [0.8, 0.99]}},
            {
                "_name": "deep",
                "n": {
                    "_type": "choice",
                    "_value": [{"_name": "x", "k": {"_type": "randint", "_value": [1, 3]}}, 7],
                },
            },
        ],
    },
    "flag": {"_type": "choice", "_value": [True, False, None, 1.5, [1, 2]]},
    "ri": {"_type": "randint", "_value": [-3, 9]},
    "u": {"_type": "uniform", "_value": [-1, 1]},
    "qu": {"_type": "quniform", "_value": [0.5, 10, 2]},
    "lu": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "qlu": {"_type": "qloguniform", "_value": [1, 1000, 10]},
    "n": {"_type": "normal", "_value": [0, 2]},
    "qn": {"_type": "qnormal", "_value": [5, 3, 1]},
    "ln": {"_type": "lognormal", "_value": [0, 1]},
    "qln": {"_type": "qlognormal", "_value": [1, 1, 2]},
    "op": {"_type": "layer_choice", "_value": ["conv3x3", "conv5x5", "pool"]},
    "skip": {"_type": "input_choice", "_value": {"candidates": ["x0", "x1", "x2", "x3"], "n_chosen": 2}},
    "any": {"_type": "input_choice", "_value": {"candidates": ["", ""], "n_chosen": None}},
    "block": {
        "_type": "mutable_layer",
        "_value": {
            "l1": {
                "layer_choice": ["conv", "pool"],
                "optional_inputs": ["a", "b", "c"],
                "optional_input_size": [0, 2],
            },
            "l2": {
                "layer_choice": ["id"],
                "optional_inputs": [f"i{k}" for k in range(14)],
                "optional_input_size": [1, 7],
            },
        },
    },
}

# 3 x 2 x 2 = 12 configurations
SMALL_DISCRETE: dict[str, Any] = {
    "a": {"_type": "choice", "_value": ["x", "y", {"_name": "z"}]},
    "b": {"_type": "randint", "_value": [0, 2]},
    "c": {
        "_type": "mutable_layer",
        "_value": {"l": {"layer_choice": ["p", "q"], "optional_inputs": [], "optional_input_size": 0}},
    },
}

MULTI_FIDELITY = ("hyperband", "bohb")
# tuners that, as in NNI, search only spaces of choices (tests/tuners/test_ppo.py checks them)
CHOICES_ONLY = ("ppo",)
# tuners that hand out a configuration again by design (PBT continues a member with its parameters)
REPEATING = ("hyperband", "bohb", "pbt")
# keys a tuner adds to the space's parameters
EXTRA_KEYS = ("TRIAL_BUDGET", "load_checkpoint_dir", "save_checkpoint_dir")
# every tuner that proposes from any space (batch replays a given list)
SEARCHING = sorted(n for n in TUNERS if n != "batch" and n not in CHOICES_ONLY)


def build(name: str, space: dict[str, Any], seed: int | None = 0, **kw: Any):
    if name == "batch":
        import random

        from nniannot.searchspace import SearchSpace

        rng = random.Random(seed)
        configs = [SearchSpace.from_json(space).sample(rng) for _ in range(40)]
        return make_tuner(name, space, optimize_mode="minimize", seed=seed, configs=configs, **kw)
    return make_tuner(name, space, optimize_mode="minimize", seed=seed, **kw)


def strip(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Parameters without the keys a tuner adds (the multi-fidelity budget, PBT's checkpoint paths)."""
    if params is None:
        return None
    return {k: v for k, v in params.items() if k not in EXTRA_KEYS}

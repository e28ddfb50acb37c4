"""The PPO tuner: choices only (as NNI's PPOTuner), inside the space, reproducible, and it learns."""

from __future__ import annotations

import pytest

from nniannot.errors import TunerError
from nniannot.runner.tuners import make_tuner
from nniannot.searchspace import SearchSpace

CHOICES = {
    "flag": {"_type": "choice", "_value": [True, False, None, 1.5, [1, 2]]},
    "op": {"_type": "layer_choice", "_value": ["conv3x3", "conv5x5", "pool"]},
    "skip": {"_type": "input_choice", "_value": {"candidates": ["x0", "x1", "x2", "x3"], "n_chosen": 2}},
    "block": {
        "_type": "mutable_layer",
        "_value": {
            "l1": {"layer_choice": ["a", "b"], "optional_inputs": ["i", "j"], "optional_input_size": [0, 1]}
        },
    },
}


def _run(seed, n=30, value=lambda p: float(len(repr(p)) % 5)):
    tuner = make_tuner("PPOTuner", CHOICES, seed=seed, trials_per_update=6, minibatch_size=3)
    space = SearchSpace.from_json(CHOICES)
    out = []
    for i in range(n):
        params = tuner.suggest(str(i))
        assert space.contains(params), params
        tuner.observe(str(i), params, value(params) if i % 7 != 3 else float("nan"))
        out.append(params)
    return out


def test_suggestions_are_inside_a_space_of_choices_and_reproducible():
    assert _run(4) == _run(4)
    assert _run(4) != _run(5)


def test_a_continuous_parameter_is_refused_clearly():
    with pytest.raises(TunerError, match=r"only choices.*lr"):
        make_tuner("ppo", {"lr": {"_type": "uniform", "_value": [0, 1]}, **CHOICES})


def _best_share(name, seed, **kw):
    space = {f"d{k}": {"_type": "layer_choice", "_value": ["a", "b", "c", "d"]} for k in range(4)}
    tuner = make_tuner(name, space, optimize_mode="maximize", seed=seed, **kw)
    hits = 0
    for i in range(200):
        p = tuner.suggest(str(i))
        score = sum(v["_idx"] == 2 for v in p.values())
        tuner.observe(str(i), p, float(score))
        hits += score == 4 and i >= 100
    return hits


def test_it_learns_the_best_architecture_where_random_search_rarely_finds_it():
    ppo = [_best_share("ppo", s, trials_per_update=10, lr=0.1) for s in range(3)]
    # random search hits 1 in 256 draws; every PPO run finds the best many times in its last 100 trials
    assert min(ppo) >= 20, ppo

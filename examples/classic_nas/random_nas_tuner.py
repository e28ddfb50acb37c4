"""A random tuner for classic-NAS spaces, written against NNI's ``Tuner`` API.

It proposes each ``layer_choice`` and ``input_choice`` uniformly at random, in NNI's parameter format.
"""

import random

from nni.tuner import Tuner


def random_architecture(search_space, rng):
    arch = {}
    for key, spec in search_space.items():
        if spec["_type"] == "layer_choice":
            idx = rng.randrange(len(spec["_value"]))
            arch[key] = {"_value": spec["_value"][idx], "_idx": idx}
        elif spec["_type"] == "input_choice":
            candidates = spec["_value"]["candidates"]
            n_chosen = spec["_value"]["n_chosen"]
            if n_chosen is None:
                n_chosen = rng.randint(0, len(candidates))
            idx = sorted(rng.sample(range(len(candidates)), n_chosen))
            arch[key] = {"_value": [candidates[i] for i in idx], "_idx": idx}
        else:
            raise ValueError(
                f"RandomNASTuner: {key!r} has type {spec['_type']!r}; only NAS choices are searched"
            )
    return arch


class RandomNASTuner(Tuner):
    def __init__(self, seed=None):
        self.search_space = None
        self.rng = random.Random(seed)

    def update_search_space(self, search_space):
        self.search_space = search_space

    def generate_parameters(self, parameter_id, **kwargs):
        return random_architecture(self.search_space, self.rng)

    def receive_trial_result(self, parameter_id, parameters, value, **kwargs):
        pass

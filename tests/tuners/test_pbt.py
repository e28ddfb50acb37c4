"""PBT: generations, exploit/explore, checkpoint paths and waiting between generations (a real run: tests/runner/test_cli_pbt.py)."""

from __future__ import annotations

import math
import os

from nniannot.runner.tuners import make_tuner
from nniannot.searchspace import SearchSpace
from tests.tuners.spaces import strip

SPACE = {
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "opt": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
}


def _generation(tuner, tag, score):
    params = [tuner.suggest(f"{tag}{i}") for i in range(tuner.population_size)]
    for i, p in enumerate(params):
        tuner.observe(f"{tag}{i}", p, score(i, p))
    return params


def test_generation_zero_is_random_with_nni_checkpoint_paths(tmp_path):
    tuner = make_tuner("PBTTuner", SPACE, seed=0, all_checkpoint_dir=str(tmp_path), population_size=4)
    first = [tuner.suggest(str(i)) for i in range(4)]
    space = SearchSpace.from_json(SPACE)
    assert all(space.contains(strip(p)) for p in first)
    assert len({p["lr"] for p in first}) == 4
    for i, p in enumerate(first):
        assert (
            p["load_checkpoint_dir"] == p["save_checkpoint_dir"] == os.path.join(str(tmp_path), str(i), "0")
        )
    assert not tuner.ready()  # the generation waits for its results
    assert not os.listdir(tmp_path)  # the tuner never writes


def test_bottom_members_exploit_a_top_one_and_explore(tmp_path):
    root = str(tmp_path)
    tuner = make_tuner("pbt", SPACE, optimize_mode="maximize", seed=1, all_checkpoint_dir=root,
                       population_size=5, fraction=0.2, resample_probability=0.0)  # fmt: skip
    first = _generation(tuner, "a", lambda i, p: float(i))  # member 4 best, member 0 worst
    assert tuner.ready()
    second = [tuner.suggest(f"b{i}") for i in range(5)]
    for i in range(1, 5):  # survivors: same parameters, their own checkpoint
        assert strip(second[i]) == strip(first[i])
        assert second[i]["load_checkpoint_dir"] == os.path.join(root, str(i), "0")
        assert second[i]["save_checkpoint_dir"] == os.path.join(root, str(i), "1")
    bottom = second[0]
    assert bottom["load_checkpoint_dir"] == os.path.join(root, "4", "0")  # the top member's checkpoint
    assert bottom["save_checkpoint_dir"] == os.path.join(root, "0", "1")
    assert bottom["lr"] != first[4]["lr"]  # explored: moved by a fifth of the log range
    ratio = abs(math.log(bottom["lr"] / first[4]["lr"]) / math.log(1e3))
    assert abs(ratio - 0.2) < 1e-6 or bottom["lr"] in (1e-4, 1e-1)
    assert (
        abs(
            ["sgd", "adam", "rmsprop"].index(bottom["opt"])
            - ["sgd", "adam", "rmsprop"].index(first[4]["opt"])
        )
        <= 1
    )


def test_minimize_and_failures_count_as_worst(tmp_path):
    root = str(tmp_path)
    tuner = make_tuner(
        "pbt", SPACE, optimize_mode="minimize", seed=2, all_checkpoint_dir=root, population_size=5
    )
    _generation(tuner, "a", lambda i, p: float("nan") if i == 2 else float(i))
    second = [tuner.suggest(f"b{i}") for i in range(5)]
    assert second[2]["load_checkpoint_dir"] == os.path.join(root, "0", "0")  # failed member 2 copies member 0


def test_same_seed_same_observations_same_suggestions(tmp_path):
    runs = []
    for _ in range(2):
        tuner = make_tuner("pbt", SPACE, seed=5, all_checkpoint_dir=str(tmp_path), population_size=4)
        runs.append([_generation(tuner, f"g{g}", lambda i, p: p["lr"]) for g in range(4)])
    assert runs[0] == runs[1]


def test_default_checkpoint_dir_is_in_the_experiment_directory(tmp_path):
    tuner = make_tuner("pbt", SPACE, seed=0, context={"experiment_dir": str(tmp_path / "exp")})
    assert tuner.suggest("a")["save_checkpoint_dir"] == str(tmp_path / "exp" / "checkpoint" / "0" / "0")

"""Tuners, by name: ``make_tuner("tpe", space, optimize_mode="minimize", seed=0, **class_args)``.

Names are case-insensitive; NNI's names are accepted (``TPE``, ``Random``, ``GridSearch``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nniannot.runner.registry import check_class_args, resolve
from nniannot.runner.tuners.base import Tuner, check_optimize_mode
from nniannot.searchspace import SearchSpace

__all__ = ["DEFAULT_TUNER", "TUNERS", "Tuner", "make_tuner", "tuner_names"]

# What `nni-annot run` uses when no tuner is named. Chosen from bench/bench_tuners.py: GP-BO had the best
# median on every benchmark problem at 30 and at 100 trials, never worse than Optuna's default TPE
# (docs/tuners.md has the table).
DEFAULT_TUNER = "gp"

# canonical name -> (module, class, NNI-style aliases)
TUNERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "random": ("nniannot.runner.tuners.random_search", "RandomTuner", ("randomsearch",)),
    "grid": ("nniannot.runner.tuners.grid", "GridTuner", ("gridsearch",)),
    "batch": ("nniannot.runner.tuners.batch", "BatchTuner", ("batchtuner",)),
    "tpe": ("nniannot.runner.tuners.tpe", "TpeTuner", ("tpetuner",)),
    "gp": ("nniannot.runner.tuners.gp", "GpTuner", ("gptuner", "gaussianprocess")),
    "anneal": ("nniannot.runner.tuners.anneal", "AnnealTuner", ("annealtuner",)),
    "evolution": (
        "nniannot.runner.tuners.evolution",
        "EvolutionTuner",
        ("evolutiontuner", "regularizedevolution"),
    ),
    "hyperband": (
        "nniannot.runner.tuners.hyperband",
        "HyperbandTuner",
        ("hyperbandtuner", "hyperbandadvisor"),
    ),
    "ppo": ("nniannot.runner.tuners.ppo", "PpoTuner", ("ppotuner",)),
    "bohb": ("nniannot.runner.tuners.hyperband", "BohbTuner", ("bohbtuner", "bohbadvisor")),
}


def tuner_names() -> list[str]:
    return sorted(TUNERS)


def make_tuner(
    name: str,
    search_space: Mapping[str, Any] | SearchSpace,
    optimize_mode: str = "maximize",
    seed: int | None = None,
    **class_args: Any,
) -> Tuner:
    """Build a tuner by name over an NNI JSON search space (or a parsed :class:`SearchSpace`).

    Raises TunerError for an unknown name or class argument, SearchSpaceError for a bad space.
    """
    cls = resolve(TUNERS, name, "tuner")
    check_class_args(cls, name, "tuner", class_args, ("search_space", "optimize_mode", "seed"))
    space = search_space if isinstance(search_space, SearchSpace) else SearchSpace.from_json(search_space)
    return cls(space, optimize_mode=check_optimize_mode(optimize_mode), seed=seed, **class_args)

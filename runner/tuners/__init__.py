"""Tuners, by name: ``make_tuner("tpe", space, optimize_mode="minimize", seed=0, **class_args)``.

Names are case-insensitive; NNI's names are accepted (``TPE``, ``Random``, ``GridSearch``, ...).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from nniannot.errors import TunerError
from nniannot.runner.registry import check_class_args, fold_name, resolve
from nniannot.runner.tuners.base import Tuner, check_optimize_mode
from nniannot.searchspace import SearchSpace

__all__ = ["DEFAULT_MULTI_OBJECTIVE_TUNER", "DEFAULT_TUNER", "TUNERS", "Tuner", "make_tuner", "tuner_names"]

# What `nni-annot run` uses when no tuner is named. Chosen from bench/bench_tuners.py: GP-BO had the best
# median on every benchmark problem at 30 and at 100 trials, never worse than Optuna's default TPE
# (docs/tuners.md has the table).
DEFAULT_TUNER = "gp"
# What it uses when the experiment declares several objectives and names no tuner. Chosen from
# bench/bench_mo.py: GP-BO with expected hypervolume improvement (ParEGO first with three objectives) had
# the best median hypervolume on the benchmark problems at 50 and 200 trials, at a fraction of Optuna's
# GPSampler's cost per trial (docs/tuners.md has the tables).
DEFAULT_MULTI_OBJECTIVE_TUNER = "gp"

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
    "smac": ("nniannot.runner.tuners.smac", "SmacTuner", ("SMACTuner",)),
    "metis": ("nniannot.runner.tuners.metis", "MetisTuner", ("MetisTuner",)),
    "dngo": ("nniannot.runner.tuners.dngo", "DngoTuner", ("DNGOTuner",)),
    "pbt": ("nniannot.runner.tuners.pbt", "PbtTuner", ("PBTTuner",)),
}

# NNI tuners that are deliberately not offered: folded name -> why, and what to use instead
NOT_OFFERED: dict[str, str] = {
    name: (
        "NNI's NetworkMorphism tuner is not offered: it grows Keras/PyTorch graphs produced by its own model "
        "generator and hands each trial a serialised network, so it does not search an annotation search "
        "space. For architecture search over your own model, declare the alternatives with "
        "`@nni.mutable_layers` (or `nni.choice`) and use tpe, evolution, gp or random (docs/tuners.md)"
    )
    for name in ("networkmorphism", "networkmorphismtuner")
}


# keywords the runner passes to the tuners that take them (see make_tuner)
_CONTEXT = ("experiment_dir",)


def tuner_names() -> list[str]:
    return sorted(TUNERS)


def make_tuner(
    name: str,
    search_space: Mapping[str, Any] | SearchSpace,
    optimize_mode: str = "maximize",
    seed: int | None = None,
    context: Mapping[str, Any] | None = None,
    **class_args: Any,
) -> Tuner:
    """Build a tuner by name over an NNI JSON search space (or a parsed :class:`SearchSpace`).

    ``context`` is what the runner knows about the experiment (``experiment_dir``: its directory, or None
    before it exists); a tuner receives a key of it only if its constructor takes that keyword, and a user
    cannot set these keys as class arguments.

    Raises TunerError for an unknown name or class argument, SearchSpaceError for a bad space.
    """
    context = context or {}
    reserved = [k for k in class_args if k in _CONTEXT]
    if reserved:
        raise TunerError(f"tuner {name!r}: {', '.join(reserved)} is set by nni-annot, not a class argument")
    if fold_name(name) in NOT_OFFERED:
        raise TunerError(f"tuner {name!r}: {NOT_OFFERED[fold_name(name)]}")
    cls = resolve(TUNERS, name, "tuner")
    check_class_args(cls, name, "tuner", class_args, ("search_space", "optimize_mode", "seed", *_CONTEXT))
    space = search_space if isinstance(search_space, SearchSpace) else SearchSpace.from_json(search_space)
    accepted = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    extra = {k: v for k, v in context.items() if k in _CONTEXT and k in accepted}
    return cls(space, optimize_mode=check_optimize_mode(optimize_mode), seed=seed, **extra, **class_args)

"""Tuners, by name: ``make_tuner("tpe", space, optimize_mode="minimize", seed=0, **class_args)``.

Names are case-insensitive; NNI's names are accepted (``TPE``, ``Random``, ``GridSearch``, ...).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from nniannot.errors import TunerError
from nniannot.searchspace import SearchSpace
from runner.tuners.base import Tuner, check_optimize_mode

__all__ = ["TUNERS", "Tuner", "make_tuner", "tuner_names"]

# canonical name -> (module, class, NNI-style aliases)
TUNERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "random": ("runner.tuners.random_search", "RandomTuner", ("randomsearch",)),
}


def tuner_names() -> list[str]:
    return sorted(TUNERS)


def _resolve(name: str) -> tuple[str, str]:
    wanted = name.lower().replace("_", "").replace("-", "")
    for canonical, (module, cls, aliases) in TUNERS.items():
        if wanted == canonical.replace("_", "") or wanted in aliases:
            return module, cls
    raise TunerError(f"unknown tuner {name!r}; known tuners: {', '.join(tuner_names())}")


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
    module_name, cls_name = _resolve(name)
    space = search_space if isinstance(search_space, SearchSpace) else SearchSpace.from_json(search_space)
    cls = getattr(importlib.import_module(module_name), cls_name)
    accepted = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = [k for k in class_args if k not in accepted and not takes_any]
    if unknown:
        known = [k for k in accepted if k not in ("self", "search_space", "optimize_mode", "seed")]
        raise TunerError(
            f"tuner {name!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(known) or 'no other arguments'}"
        )
    return cls(space, optimize_mode=check_optimize_mode(optimize_mode), seed=seed, **class_args)

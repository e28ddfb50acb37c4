"""Assessors, by name: ``make_assessor("medianstop", optimize_mode="maximize", **class_args)``.

Names are case-insensitive; NNI's names and class arguments are accepted.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from nniannot.errors import TunerError
from runner.assessors.base import Assessor
from runner.tuners.base import check_optimize_mode

__all__ = ["ASSESSORS", "Assessor", "assessor_names", "make_assessor"]

# canonical name -> (module, class, NNI-style aliases)
ASSESSORS: dict[str, tuple[str, str, tuple[str, ...]]] = {}


def assessor_names() -> list[str]:
    return sorted(ASSESSORS)


def make_assessor(name: str, optimize_mode: str = "maximize", **class_args: Any) -> Assessor:
    """Build an assessor by name. Raises TunerError for an unknown name or class argument."""
    wanted = name.lower().replace("_", "").replace("-", "")
    for canonical, (module_name, cls_name, aliases) in ASSESSORS.items():
        if wanted == canonical.replace("_", "") or wanted in aliases:
            break
    else:
        raise TunerError(
            f"unknown assessor {name!r}; known assessors: {', '.join(assessor_names()) or 'none'}"
        )
    cls = getattr(importlib.import_module(module_name), cls_name)
    accepted = inspect.signature(cls.__init__).parameters
    unknown = [k for k in class_args if k not in accepted]
    if unknown:
        known = [k for k in accepted if k not in ("self", "optimize_mode")]
        raise TunerError(
            f"assessor {name!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(known) or 'no other arguments'}"
        )
    return cls(optimize_mode=check_optimize_mode(optimize_mode), **class_args)

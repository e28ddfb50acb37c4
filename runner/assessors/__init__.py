"""Assessors, by name: ``make_assessor("medianstop", optimize_mode="maximize", **class_args)``.

Names are case-insensitive; NNI's names and class arguments are accepted.
"""

from __future__ import annotations

from typing import Any

from nniannot.runner.assessors.base import Assessor
from nniannot.runner.registry import check_class_args, resolve
from nniannot.runner.tuners.base import check_optimize_mode

__all__ = ["ASSESSORS", "Assessor", "assessor_names", "make_assessor"]

# canonical name -> (module, class, NNI-style aliases)
ASSESSORS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "medianstop": (
        "nniannot.runner.assessors.medianstop",
        "MedianstopAssessor",
        ("median", "medianstopassessor"),
    ),
    "curvefitting": (
        "nniannot.runner.assessors.curvefitting",
        "CurvefittingAssessor",
        ("curvefittingassessor",),
    ),
    "asha": ("nniannot.runner.assessors.asha", "AshaAssessor", ("successivehalving", "sha")),
}


def assessor_names() -> list[str]:
    return sorted(ASSESSORS)


def make_assessor(name: str, optimize_mode: str = "maximize", **class_args: Any) -> Assessor:
    """Build an assessor by name. Raises TunerError for an unknown name or class argument."""
    cls = resolve(ASSESSORS, name, "assessor")
    check_class_args(cls, name, "assessor", class_args, ("optimize_mode",))
    return cls(optimize_mode=check_optimize_mode(optimize_mode), **class_args)

"""Annotated source -> (search space, rewritten trial code); the files and command of a trial.

:func:`transform` works on one file's text and never raises for bad annotations: problems are
diagnostics in its result. :func:`collect` works on an entry script and the project modules it
imports, and raises :class:`~nniannot.errors.AnnotationError` with every error of every file.
"""

from __future__ import annotations

from nniannot.transformer.core import TransformResult, transform
from nniannot.transformer.project import Project, collect

__all__ = ["Project", "TransformResult", "collect", "transform"]

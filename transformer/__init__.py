"""Annotated source -> (search space, rewritten trial code); the files and command of a trial.

:func:`transform` works on one file's text and never raises for bad annotations: problems are
diagnostics in its result. :func:`prepare_trial` works on an entry script and the project modules it
imports, and raises :class:`~nniannot.errors.AnnotationError` with every error of every file.
"""

from __future__ import annotations

from nniannot.transformer.core import TransformResult, transform
from nniannot.transformer.project import PreparedTrial, Project, collect, prepare_trial

__all__ = ["PreparedTrial", "Project", "TransformResult", "collect", "prepare_trial", "transform"]

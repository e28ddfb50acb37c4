"""Specialise every annotated file of a trial: the entry script and the project modules it imports.

The specialising itself is :func:`nniannot.transformer.codemods.specialise_source` (pure, text in and
values out); this module only reads the trial's files for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nniannot.transformer.codemods import Specialised, specialise_source

__all__ = ["Specialised", "specialise_project"]


def specialise_project(
    entry: str, code_dir: str | None, params: Mapping[str, Any]
) -> list[tuple[str, Specialised]]:
    """(shown path, specialised file) for every annotated file of the trial, entry first.

    Raises like :func:`nniannot.transformer.project.collect`, and AnnotationError for a file whose
    annotations have errors.
    """
    from nniannot.transformer.project import collect, display_path, read_source

    project = collect(entry, code_dir)
    out = []
    for path in project.files:
        if project.results[path].has_annotations:
            shown = display_path(path)
            _, text = read_source(path)
            out.append((shown, specialise_source(text, project.modules[path], params, shown)))
    return out

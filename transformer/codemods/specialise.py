"""``specialise_source``: annotated source text and one trial's parameters in, plain code out.

Where the trial code reads a value from the tuner, the specialised code has the value itself: an annotated
assignment gets the chosen value, a function choice the chosen call, a mutable block one plain assignment
per layer (``out = chosen_layer([[fixed inputs], [chosen inputs]], **kwargs)``, the call the trial makes).
Each such annotation becomes a comment saying what the value was chosen from; ``get_next_parameter`` and
``training_update`` become ``pass``; report annotations stay (they are inert strings), so the result runs
under plain ``python`` and still reports under nni-annot. Comments and formatting elsewhere are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from nniannot.errors import AnnotationError, Diagnostic
from nniannot.transformer.codemods.gather import gather
from nniannot.transformer.codemods.plan import make_plan
from nniannot.transformer.codemods.rewrite import Specialiser
from nniannot.transformer.core import analyze
from nniannot.transformer.source import Source


@dataclass
class Specialised:
    """The specialised text of one file and the notes about it (e.g. keys the parameters lack)."""

    code: str
    notes: list[str] = field(default_factory=list)


def specialise_source(
    source: str, module: str, params: Mapping[str, Any], path: str = "<file>"
) -> Specialised:
    """``source`` with every tuned annotation replaced by its value from ``params``.

    Args:
        source: the file's text; nothing is read from disk.
        module: its dotted module name, the first part of its keys (``train``, ``models.mlp``).
        params: one trial's parameters keyed as in the search space; keys of other modules are ignored.
        path: the name shown in notes and diagnostics.

    Returns:
        The code and notes. A key ``params`` lacks, or a value that is none of its options, keeps the code
        as written and gives a note. A file without annotations comes back unchanged.

    Raises:
        AnnotationError: the file is not valid Python or its annotations have errors (located diagnostics).
    """
    outcome = run(source, module, params, path)
    if isinstance(outcome, Specialised):
        return outcome
    raise AnnotationError(outcome)


def run(source: str, module: str, params: Mapping[str, Any], path: str) -> Specialised | list[Diagnostic]:
    """Like :func:`specialise_source`, but errors come back as the diagnostics; never raises for them."""
    analysis = analyze(source, module, path)
    if not analysis.ok:
        return analysis.errors
    if not analysis.has_annotations or analysis.tree is None:
        return Specialised(source)
    src = Source(source, path)
    try:
        wrapper = cst.MetadataWrapper(cst.parse_module(source))
    except cst.ParserSyntaxError as exc:
        return [src.diagnostic(exc.raw_line, exc.raw_column + 1, f"invalid Python syntax: {exc.message}")]
    plan = make_plan(src, analysis.tree, module, params)
    found = gather(wrapper, plan)
    specialiser = Specialiser(found, wrapper.module.config_for_parsing)
    code = wrapper.module.visit(specialiser).code
    lost = [f"{path}: could not place {what}; its code is kept as written" for what in found.missing]
    return Specialised(code, [*plan.notes, *lost, *(f"{path}: {n}" for n in specialiser.notes)])

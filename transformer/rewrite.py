"""Turn parsed annotations into byte-range edits that keep every line where it was.

Each annotation string statement becomes ``from nniannot import annotation as _nni_annot`` (binding the
runtime in the scope where it is needed), followed by the call it expands to. An annotated assignment's
value becomes ``(<original>) if _nni_annot.standalone() else <value from the trial>``; a function choice
wraps each matching call the same way. The original text stays inside the rewritten statement, so its own
lines, comments and side effects are unchanged standalone, and the line count never changes.
"""

from __future__ import annotations

import ast

from nniannot.transformer import render
from nniannot.transformer.records import Annotation, Call, FunctionChoice, MutableLayers, Variable
from nniannot.transformer.samplers import choice_chain, trial_expr
from nniannot.transformer.source import Edit, Source

HEADER = "from nniannot import annotation as _nni_annot"


def annotation_edits(source: Source, annotation: Annotation, matches: list[ast.expr]) -> list[Edit]:
    """The edits for one valid annotation (its own statement and, if any, what it annotates)."""
    record = annotation.record
    start, end = source.node_span(annotation.stmt)
    lines = annotation.stmt.end_lineno - annotation.stmt.lineno  # type: ignore[operator]
    edits = [Edit(start, end, _in_place(record, lines, source.newline))]
    if isinstance(record, Variable):
        value = annotation.target.value  # type: ignore[union-attr]
        edits.append(_guarded(source, value, trial_expr(record.sampler)))
    elif isinstance(record, FunctionChoice):
        key = render.literal(record.key)
        chain = choice_chain("function_choice", key, [(c.label, c.code) for c in record.candidates])
        edits.extend(_guarded(source, node, chain, wrap=True) for node in matches)
    return edits


def _in_place(record: object, lines: int, newline: str) -> str:
    calls = _calls(record)
    if lines == 0:
        return "; ".join([HEADER, *calls])
    pad = newline * lines
    if not calls:
        return f"from nniannot import (annotation as _nni_annot{pad})"
    last = calls[-1]
    calls[-1] = last[:-1] + pad + ")"  # every expansion ends with a call's closing parenthesis
    return "; ".join([HEADER, *calls])


def _calls(record: object) -> list[str]:
    if isinstance(record, Call):
        return [f"_nni_annot.{record.function}({', '.join(record.args)})"]
    if isinstance(record, MutableLayers):
        return [_layer_call(record.key, layer) for layer in record.layers]
    return []


def _layer_call(key: str, layer: object) -> str:
    funcs = ", ".join(f"{render.literal(c.label)}: {c.func}" for c in layer.choices)  # type: ignore[attr-defined]
    kwargs = ", ".join(
        f"{render.literal(c.label)}: {{{', '.join(f'{render.literal(k)}: {v}' for k, v in c.kwargs)}}}"
        for c in layer.choices  # type: ignore[attr-defined]
    )
    fixed = ", ".join(layer.fixed_inputs)  # type: ignore[attr-defined]
    optional = ", ".join(f"{render.literal(label)}: {code}" for label, code in layer.optional_inputs)  # type: ignore[attr-defined]
    size = layer.size if isinstance(layer.size, int) else list(layer.size)  # type: ignore[attr-defined]
    return (
        f"{layer.output} = _nni_annot.mutable_layer({render.literal(key)}, "  # type: ignore[attr-defined]
        f"{render.literal(layer.name)}, {{{funcs}}}, {{{kwargs}}}, [{fixed}], {{{optional}}}, {size!r})"  # type: ignore[attr-defined]
    )


def _guarded(source: Source, node: ast.expr, trial: str, wrap: bool = False) -> Edit:
    start, end = source.node_span(node)
    original = source.segment(start, end)
    if render.needs_parens(node, original):
        original = f"({original})"
    text = f"{original} if _nni_annot.standalone() else {trial}"
    return Edit(start, end, f"({text})" if wrap else text)

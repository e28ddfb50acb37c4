"""What to change where: the stdlib analysis of one file turned into edits keyed by position.

The hot path's analysis (:func:`nniannot.transformer.core.analyze`) finds and validates the annotations;
this module decides, for one trial's parameters, what each annotation and each annotated expression
becomes. Positions are libcst's: a 1-based line and a 0-based character column, parentheses excluded,
so the gathering visitor finds the same nodes in the concrete tree.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from nniannot.transformer import locate, render
from nniannot.transformer.codemods import texts
from nniannot.transformer.codemods.values import Values
from nniannot.transformer.parse import parse_site
from nniannot.transformer.records import FunctionChoice, MutableLayers, Sampler, Variable
from nniannot.transformer.source import Source
from nniannot.transformer.targets import find_candidates

Position = tuple[int, int]
Span = tuple[Position, Position]


@dataclass(frozen=True)
class StatementEdit:
    """What an annotation statement becomes: comment lines, then statements (the first may end in a comment)."""

    comments: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()
    trailing: str | None = None


@dataclass(frozen=True)
class ExpressionEdit:
    """New code for an expression; an ``operand`` is parenthesised unless it is an atom."""

    code: str
    operand: bool
    what: str


@dataclass
class Plan:
    """Every edit of one file, and the notes about values the parameters lack."""

    statements: dict[Span, StatementEdit] = field(default_factory=dict)
    expressions: dict[Span, ExpressionEdit] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def make_plan(src: Source, tree: ast.Module, module: str, params: Mapping[str, Any]) -> Plan:
    """The edits that specialise a file whose annotations :func:`analyze` found valid."""
    plan = Plan()
    values = Values(params, src.path)
    sites, _ = locate.find(tree)
    for site in sites:
        _site(plan, values, src, site, module)
    plan.notes = values.notes
    return plan


def _site(plan: Plan, values: Values, src: Source, site: locate.Site, module: str) -> None:
    annotation = parse_site(src, site, module, [])
    record = annotation.record
    call = texts.annotation_call(site.text)
    where = span(src, site.stmt)
    if isinstance(record, Variable):
        _variable(plan, values, src, site, record, call)
    elif isinstance(record, FunctionChoice):
        _function_choice(plan, values, src, site, record, call)
    elif isinstance(record, MutableLayers):
        comment = f"# chosen by nni.mutable_layers ({record.key})"
        plan.statements[where] = StatementEdit((comment,), tuple(values.layers(record, call)))
    elif annotation.kind in ("get_next_parameter", "training_update"):
        plan.statements[where] = StatementEdit(statements=("pass",), trailing=f"# was @nni.{annotation.kind}")


def _variable(
    plan: Plan, values: Values, src: Source, site: locate.Site, record: Variable, call: cst.Call | None
) -> None:
    written = texts.positional(call, 0)
    shown = _one_line(written, _describe(record.sampler))
    plan.statements[span(src, site.stmt)] = StatementEdit(comments=(f"# chosen from {shown}",))
    code = values.sampler(record.sampler, written)
    if code is not None:
        value = site.target.value  # type: ignore[union-attr]
        plan.expressions[span(src, value)] = ExpressionEdit(code, False, record.sampler.key)


def _function_choice(
    plan: Plan, values: Values, src: Source, site: locate.Site, record: FunctionChoice, call: cst.Call | None
) -> None:
    shown = ", ".join(_one_line(texts.positional(call, i), c.code) for i, c in enumerate(record.candidates))
    plan.statements[span(src, site.stmt)] = StatementEdit(
        comments=(f"# chosen from nni.function_choice({shown})",)
    )
    code = values.function_choice(record, call)
    if code is None:
        return
    for node in find_candidates(site.target, {c.dump for c in record.candidates}):  # type: ignore[arg-type]
        plan.expressions[span(src, node)] = ExpressionEdit(code, True, record.key)


def _one_line(node: cst.CSTNode | None, fallback: str) -> str:
    """The node's text for a comment, or ``fallback`` when it is missing or spans lines."""
    text = texts.code(node) if node is not None else ""
    return text if text and "\n" not in text else fallback


def span(src: Source, node: ast.stmt | ast.expr) -> Span:
    """A node's range as libcst reports it (character columns, where ``ast`` counts UTF-8 bytes)."""
    start = (node.lineno, src.char_col(node.lineno, node.col_offset) - 1)
    end_line = node.end_lineno or node.lineno
    end = (end_line, src.char_col(end_line, node.end_col_offset or 0) - 1)
    return start, end


def _describe(sampler: Sampler) -> str:
    if sampler.kind == "choice":
        return f"nni.choice({', '.join(o.label if o.nested else o.code for o in sampler.options)})"
    return f"nni.{sampler.kind}({', '.join(render.literal(n) for n in sampler.numbers)})"

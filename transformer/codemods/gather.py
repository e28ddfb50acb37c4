"""Find the concrete-tree nodes a :class:`~nniannot.transformer.codemods.plan.Plan` names by position."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider

from nniannot.transformer.codemods.plan import ExpressionEdit, Plan, Span, StatementEdit


@dataclass
class Found:
    """The plan's edits keyed by node; ``missing`` says which edits no node was found for."""

    statements: dict[cst.CSTNode, StatementEdit] = field(default_factory=dict)
    expressions: dict[cst.CSTNode, ExpressionEdit] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class Gatherer(cst.CSTVisitor):
    """Collects the annotation statements and the expressions that a plan rewrites."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.found = Found()
        self.statement_spans: set[Span] = set()
        self.expression_spans: set[Span] = set()

    def visit_Expr(self, node: cst.Expr) -> None:
        where = self._span(node)
        if where in self.plan.statements and where not in self.statement_spans:
            self.statement_spans.add(where)
            self.found.statements[node] = self.plan.statements[where]

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            where = self._span(node)
            # Nodes may share a range (a call that is a whole statement); the outermost is the one meant.
            if where in self.plan.expressions and where not in self.expression_spans:
                self.expression_spans.add(where)
                self.found.expressions[node] = self.plan.expressions[where]
        return super().on_visit(node)

    def _span(self, node: cst.CSTNode) -> Span:
        got: CodeRange = self.get_metadata(PositionProvider, node)
        return (got.start.line, got.start.column), (got.end.line, got.end.column)


def gather(wrapper: cst.MetadataWrapper, plan: Plan) -> Found:
    """The nodes of ``wrapper.module`` that ``plan`` edits; edits without a node are listed as missing."""
    visitor = Gatherer(plan)
    wrapper.visit(visitor)
    found = visitor.found
    for where, edit in plan.expressions.items():
        if where not in visitor.expression_spans:
            found.missing.append(f"the value of `{edit.what}` (line {where[0][0]})")
    for where in plan.statements:
        if where not in visitor.statement_spans:
            found.missing.append(f"the annotation on line {where[0][0]}")
    return found

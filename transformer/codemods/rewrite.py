"""The transformer that applies gathered edits to a concrete syntax tree.

Statements are rewritten where statements are sequenced (the module, indented blocks, and one-line
bodies such as ``if x: a; b``), so an annotation's comment lands before the statement that follows it in
its own block whatever the form: a line holding an annotation is split into one line per statement, and a
one-line body holding one becomes an indented block. Everything not edited is printed as it was parsed.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from nniannot.transformer.codemods.gather import Found
from nniannot.transformer.codemods.plan import ExpressionEdit, StatementEdit

# Expressions that bind tighter than any operator: they need no parentheses to stand as an operand.
_ATOM = m.OneOf(
    m.Name(), m.Attribute(), m.Call(), m.Subscript(), m.List(), m.Dict(), m.Set(), m.ListComp(),
    m.SetComp(), m.DictComp(), m.GeneratorExp(), m.SimpleString(), m.ConcatenatedString(),
    m.FormattedString(), m.Ellipsis(),
)  # fmt: skip
# Expressions that are no valid right-hand side of ``x = ...`` without parentheses.
_BARE_VALUE_FAILS = m.OneOf(m.NamedExpr(), m.Yield())


class Specialiser(cst.CSTTransformer):
    """Rewrites the nodes in ``found``; ``notes`` tells of code it could not place (kept as written)."""

    def __init__(self, found: Found, config: cst.PartialParserConfig) -> None:
        super().__init__()
        self.found = found
        self.config = config
        self.notes: list[str] = []

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        edit = self.found.expressions.get(original_node)
        if edit is not None and isinstance(updated_node, cst.BaseExpression):
            return self._expression(edit, updated_node)
        return super().on_leave(original_node, updated_node)  # type: ignore[return-value]

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self._block(original_node.body, updated_node.body))

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._block(original_node.body, updated_node.body))

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.BaseSuite:
        if not any(s in self.found.statements for s in original_node.body):
            return updated_node
        # ``if x: '''@nni...'''; a = 1`` has no room for a comment line: the body becomes a block.
        original = cst.SimpleStatementLine(body=original_node.body)
        updated = cst.SimpleStatementLine(body=updated_node.body)
        return cst.IndentedBlock(
            body=self._block([original], [updated]), header=updated_node.trailing_whitespace
        )

    def _block(
        self, originals: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]
    ) -> list[cst.BaseStatement]:
        """The statements of one block with every annotation line replaced by what it becomes."""
        out: list[cst.BaseStatement] = []
        pending: list[cst.EmptyLine] = []
        for original, statement in zip(originals, updated):
            pieces = self._pieces(original, statement)
            for piece in pieces:
                if isinstance(piece, cst.EmptyLine):
                    pending.append(piece)
                else:
                    out.append(_lead(piece, pending))
                    pending = []
        if pending:  # a valid plan never leaves a comment at the end of a block; keep it anyway
            out.append(_lead(cst.SimpleStatementLine(body=[cst.Pass()]), pending))
        return out

    def _pieces(
        self, original: cst.BaseStatement, updated: cst.BaseStatement
    ) -> Sequence[cst.BaseStatement | cst.EmptyLine]:
        """What one statement of a block becomes: itself, or its line split around its annotations."""
        if not isinstance(original, cst.SimpleStatementLine) or not isinstance(
            updated, cst.SimpleStatementLine
        ):
            return [updated]
        if not any(s in self.found.statements for s in original.body):
            return [updated]
        return self._split(original, updated)

    def _split(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> list[cst.BaseStatement | cst.EmptyLine]:
        """One line per statement, each annotation replaced by its comments and statements."""
        pieces: list[cst.BaseStatement | cst.EmptyLine] = list(original.leading_lines)
        for old, new in zip(original.body, updated.body):
            edit = self.found.statements.get(old)
            if edit is None:
                pieces.append(
                    cst.SimpleStatementLine(body=[new.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
                )
            else:
                pieces.extend(self._statement(edit))
        _end_with(pieces, updated.trailing_whitespace)
        return pieces

    def _statement(self, edit: StatementEdit) -> list[cst.BaseStatement | cst.EmptyLine]:
        pieces: list[cst.BaseStatement | cst.EmptyLine] = [_comment(c) for c in edit.comments]
        for index, code in enumerate(edit.statements):
            text = f"{code}  {edit.trailing}" if edit.trailing and index == 0 else code
            try:
                pieces.append(cst.parse_statement(text + "\n", self.config))
            except cst.ParserSyntaxError:
                self.notes.append(f"could not write `{code}`; left out")
        return pieces

    def _expression(self, edit: ExpressionEdit, node: cst.BaseExpression) -> cst.BaseExpression:
        new = _parse_expression(edit.code, self.config)
        if new is None:
            self.notes.append(f"could not write `{edit.code}` for `{edit.what}`; its code is kept as written")
            return node
        if node.lpar:
            return new.with_changes(lpar=[*node.lpar, *new.lpar], rpar=[*new.rpar, *node.rpar])
        needs = not m.matches(new, _ATOM) if edit.operand else m.matches(new, _BARE_VALUE_FAILS)
        if needs and not new.lpar:
            return new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return new


def _parse_expression(code: str, config: cst.PartialParserConfig) -> cst.BaseExpression | None:
    """``code`` as an expression; text that spans lines outside brackets is parenthesised."""
    for text in (code, f"({code})"):
        try:
            return cst.parse_expression(text, config)
        except cst.ParserSyntaxError:
            continue
    return None


def _comment(text: str) -> cst.EmptyLine:
    return cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=cst.Comment(text))


def _lead(statement: cst.BaseStatement, lines: list[cst.EmptyLine]) -> cst.BaseStatement:
    """``statement`` with ``lines`` (blank lines and comments) before its own."""
    if not lines:
        return statement
    return statement.with_changes(leading_lines=[*lines, *statement.leading_lines])  # type: ignore[attr-defined]


def _end_with(pieces: list[cst.BaseStatement | cst.EmptyLine], trailing: cst.TrailingWhitespace) -> None:
    """Give the last piece the split line's end (its comment), merged with a comment it has itself."""
    last = pieces[-1]
    if isinstance(last, cst.SimpleStatementLine):
        own = last.trailing_whitespace.comment
        if own is not None and trailing.comment is not None:
            trailing = trailing.with_changes(comment=cst.Comment(f"{own.value}  {trailing.comment.value}"))
        elif own is not None:
            trailing = trailing.with_changes(comment=own, whitespace=last.trailing_whitespace.whitespace)
        pieces[-1] = last.with_changes(trailing_whitespace=trailing)
    elif isinstance(last, cst.EmptyLine) and trailing.comment is not None:
        merged = f"{last.comment.value if last.comment else ''}  {trailing.comment.value}".strip()
        pieces[-1] = last.with_changes(comment=cst.Comment(merged))

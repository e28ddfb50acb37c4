"""Rendering annotation expressions: NNI-identical labels, trial-code text, constant numbers.

Labels (choice options, function-choice candidates, layer choices, names) are rendered with astor, exactly
as NNI 2.x did, so one script gives one search space under both tools. Trial code uses ``ast.unparse``,
which always gives a single line (rewritten statements must keep their line count).
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

_ATOMS = (
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Call,
    ast.Subscript,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
_REPR_IS_SOURCE = (int, str, bool, type(None))
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


class NotANumber(Exception):
    """The expression is not constant arithmetic on number literals; ``node`` is the offending part."""

    def __init__(self, node: ast.AST, reason: str = "") -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


def astor_source(node: ast.AST) -> str:
    """The source NNI would have shown for ``node`` (astor's rendering)."""
    import astor  # only where NNI-identical text is needed

    return str(astor.to_source(node))


def label_of(node: ast.expr, strip: str = "\n") -> Any:
    """The search-space label of an option: plain JSON constants as themselves, else astor's text."""
    if type(node) is ast.Constant and _json_constant(node.value):
        return node.value
    return astor_source(node).strip(strip)


def name_text(node: ast.expr) -> str:
    """The ``name=`` expression as NNI put it into keys (``self.lr``, ``lr``)."""
    if type(node) is ast.Name:
        return node.id
    return astor_source(node).strip()


def code(node: ast.expr, wrap: bool = True) -> str:
    """Single-line trial code for an expression, parenthesised when it is not an atom."""
    if type(node) is ast.Constant and node.kind is None and type(node.value) in _REPR_IS_SOURCE:
        return repr(node.value)  # what ast.unparse writes for these, without its visitor (hot path)
    text = ast.unparse(node)
    if wrap and not isinstance(node, _ATOMS):
        return f"({text})"
    return text


def needs_parens(node: ast.expr, text: str) -> bool:
    """Whether source ``text`` of ``node`` must be parenthesised to be an operand of ``x if c else y``."""
    if type(node) is ast.Tuple:
        return not text.startswith("(")
    return not isinstance(node, _ATOMS)


def literal(value: Any) -> str:
    """A JSON constant as Python source."""
    return repr(value)


def number(node: ast.expr) -> float:
    """Evaluate constant arithmetic on number literals (``-3``, ``1e-3``, ``2**-10``)."""
    if type(node) is ast.Constant:
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise NotANumber(node, "the number is not finite")
            return node.value
        raise NotANumber(node)
    if type(node) is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        value = number(node.operand)
        return -value if type(node.op) is ast.USub else value
    if type(node) is ast.BinOp and type(node.op) in _BINARY:
        return _binary(node, number(node.left), number(node.right))
    raise NotANumber(node)


def _binary(node: ast.BinOp, left: float, right: float) -> float:
    if type(node.op) is ast.Pow and (abs(right) > 256 or abs(left) > 1e6):
        left = float(left)  # an int power this large would take forever; floats overflow instead
    try:
        result = _BINARY[type(node.op)](left, right)
    except ZeroDivisionError:
        raise NotANumber(node, "division by zero") from None
    except OverflowError:
        raise NotANumber(node, "the number is too large") from None
    if isinstance(result, complex) or (isinstance(result, float) and not math.isfinite(result)):
        raise NotANumber(node, "the result is not a finite real number")
    return result


def _json_constant(value: Any) -> bool:
    if value is None or isinstance(value, (bool, str, int)):
        return True
    return isinstance(value, float) and math.isfinite(value)

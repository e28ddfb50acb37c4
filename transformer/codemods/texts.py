"""The parts of one annotation as its author wrote them: options, candidates, layer calls and inputs.

The records of :mod:`nniannot.transformer.records` hold labels and one-line ``ast.unparse`` code; code that
people keep should show ``1e-3`` and ``nn.ReLU()`` the way they typed them. So the annotation's call is
parsed once more, with libcst, and its parts are looked up by position (the n-th option, the n-th layer).
Every lookup returns None when the shape is not the expected one; callers then fall back to the record.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

_EMPTY = cst.Module(body=[])


def annotation_call(text: str) -> cst.Call | None:
    """The call after ``@`` in an annotation string's value (``nni.variable(...)``), or None."""
    at = text.find("@")
    try:
        node = cst.parse_expression(text[at + 1 :].strip())
    except cst.ParserSyntaxError:
        return None
    return node if isinstance(node, cst.Call) else None


def code(node: cst.CSTNode) -> str:
    """The source text of a node (its own parentheses included, surrounding whitespace not)."""
    return _EMPTY.code_for_node(node)


def positional(node: cst.BaseExpression | None, index: int) -> cst.BaseExpression | None:
    """The ``index``-th positional argument of a call."""
    if not isinstance(node, cst.Call):
        return None
    args = [a for a in node.args if a.keyword is None and not a.star]
    return args[index].value if index < len(args) else None


def field(node: cst.BaseExpression | None, name: str) -> cst.BaseExpression | None:
    """The value of the bare-word key ``name`` in a dict display (a mutable layer's field)."""
    if not isinstance(node, cst.Dict):
        return None
    for item in node.elements:
        if m.matches(item, m.DictElement(key=m.Name(name))):
            return item.value
    return None


def element(node: cst.BaseExpression | None, index: int) -> cst.BaseExpression | None:
    """The ``index``-th element of a list display."""
    if not isinstance(node, cst.List) or index >= len(node.elements):
        return None
    return node.elements[index].value


def keywords(node: cst.BaseExpression | None) -> list[tuple[str, str]] | None:
    """A call's keyword arguments as (name, source text) pairs; None if it is not a call."""
    if not isinstance(node, cst.Call):
        return None
    return [(a.keyword.value, code(a.value)) for a in node.args if a.keyword is not None]

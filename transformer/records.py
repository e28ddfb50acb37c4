"""Typed records of parsed annotations (named tuples: cheap to define, which keeps the CLI fast).

Each record knows its place in the file (``loc``) and holds what the search-space builder and the rewriter
need: keys, JSON values (labels) and single-line Python expressions for the trial code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, NamedTuple

from nniannot.space_rules import NUMERIC_ARGUMENTS

ANNOTATIONS = (
    "variable",
    "function_choice",
    "report_intermediate_result",
    "report_final_result",
    "get_next_parameter",
    "mutable_layers",
    "training_update",
)
NUMERIC_SAMPLERS = NUMERIC_ARGUMENTS  # the arities are the search space's, stated once there
SAMPLERS = ("choice", *NUMERIC_SAMPLERS)
LAYER_FIELDS = ("layer_choice", "fixed_inputs", "optional_inputs", "optional_input_size", "layer_output")


class Loc(NamedTuple):
    """A place in the file: 1-based line, 1-based character column."""

    line: int
    col: int


class LaterLoc:
    """A :class:`Loc` worked out when first read. Most places are never read: a record's place is shown
    only when something about it is wrong, and mapping a place back into the file is a measurable part of
    the cost of an annotation that is right."""

    __slots__ = ("_find", "_loc")

    def __init__(self, find: Callable[[], Loc]) -> None:
        self._find = find
        self._loc: Loc | None = None

    def _get(self) -> Loc:
        if self._loc is None:
            self._loc = self._find()
        return self._loc

    @property
    def line(self) -> int:
        return self._get().line

    @property
    def col(self) -> int:
        return self._get().col


Place = Loc | LaterLoc


class Option(NamedTuple):
    """One option of a choice: its label in the search space and its expression in the trial code."""

    label: Any
    code: str
    nested: Sampler | None = None


class Sampler(NamedTuple):
    """An ``nni.<sampler>(...)`` call; ``numbers`` for numeric samplers, ``options`` for ``choice``."""

    kind: str
    key: str
    loc: Place
    named: bool
    numbers: tuple[float, ...] = ()
    options: tuple[Option, ...] = ()

    def spec(self) -> dict[str, Any]:
        """The NNI JSON spec of this parameter."""
        if self.kind == "choice":
            return {"_type": "choice", "_value": [o.label for o in self.options]}
        return {"_type": self.kind, "_value": list(self.numbers)}

    def walk(self) -> list[Sampler]:
        """This sampler and the samplers nested in its options, outer first."""
        out = [self]
        for option in self.options:
            if option.nested is not None:
                out.extend(option.nested.walk())
        return out


class Variable(NamedTuple):
    name: str
    name_node: ast.expr
    sampler: Sampler


class Candidate(NamedTuple):
    label: Any
    code: str
    dump: str


class FunctionChoice(NamedTuple):
    name: str
    key: str
    candidates: tuple[Candidate, ...]

    def spec(self) -> dict[str, Any]:
        return {"_type": "choice", "_value": [c.label for c in self.candidates]}


class Call(NamedTuple):
    """An annotation that expands in place to one runtime call (reports, get_next_parameter)."""

    function: str
    args: tuple[str, ...] = ()


class LayerChoice(NamedTuple):
    label: str
    func: str
    kwargs: tuple[tuple[str, str], ...]


class LayerSpec(NamedTuple):
    name: str
    choices: tuple[LayerChoice, ...]
    fixed_inputs: tuple[str, ...]
    optional_inputs: tuple[tuple[str, str], ...]
    size: int | tuple[int, int]
    output: str


class MutableLayers(NamedTuple):
    key: str
    layers: tuple[LayerSpec, ...]

    def spec(self) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for layer in self.layers:
            value[layer.name] = {
                "layer_choice": [c.label for c in layer.choices],
                "optional_inputs": [label for label, _ in layer.optional_inputs],
                "optional_input_size": layer.size if isinstance(layer.size, int) else list(layer.size),
            }
        return {"_type": "mutable_layer", "_value": value}


Record = Variable | FunctionChoice | Call | MutableLayers


class Annotation:
    """One annotation string statement, parsed. ``record`` is None when it had errors."""

    __slots__ = ("kind", "loc", "record", "stmt", "target")

    def __init__(self, stmt: ast.Expr, kind: str, loc: Place, target: ast.stmt | None) -> None:
        self.stmt = stmt
        self.kind = kind
        self.loc = loc
        self.target = target
        self.record: Record | None = None

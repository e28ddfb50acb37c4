"""Typed records of parsed annotations.

Each record knows its place in the file (``loc``) and holds what the search-space builder and the rewriter
need: keys, JSON values (labels) and single-line Python expressions for the trial code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

ANNOTATIONS = (
    "variable",
    "function_choice",
    "report_intermediate_result",
    "report_final_result",
    "get_next_parameter",
    "mutable_layers",
    "training_update",
)
NUMERIC_SAMPLERS = {
    "randint": ("lower", "upper"),
    "uniform": ("low", "high"),
    "quniform": ("low", "high", "q"),
    "loguniform": ("low", "high"),
    "qloguniform": ("low", "high", "q"),
    "normal": ("mu", "sigma"),
    "qnormal": ("mu", "sigma", "q"),
    "lognormal": ("mu", "sigma"),
    "qlognormal": ("mu", "sigma", "q"),
}
SAMPLERS = ("choice", *NUMERIC_SAMPLERS)
LAYER_FIELDS = ("layer_choice", "fixed_inputs", "optional_inputs", "optional_input_size", "layer_output")


@dataclass(frozen=True)
class Loc:
    """A place in the file: 1-based line, 1-based character column."""

    line: int
    col: int


@dataclass(frozen=True)
class Option:
    """One option of a choice: its label in the search space and its expression in the trial code."""

    label: Any
    code: str
    nested: Sampler | None = None


@dataclass(frozen=True)
class Sampler:
    """An ``nni.<sampler>(...)`` call; ``numbers`` for numeric samplers, ``options`` for ``choice``."""

    kind: str
    key: str
    loc: Loc
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


@dataclass(frozen=True)
class Variable:
    name: str
    name_node: ast.expr
    sampler: Sampler


@dataclass(frozen=True)
class Candidate:
    label: Any
    code: str
    dump: str


@dataclass(frozen=True)
class FunctionChoice:
    name: str
    key: str
    candidates: tuple[Candidate, ...]

    def spec(self) -> dict[str, Any]:
        return {"_type": "choice", "_value": [c.label for c in self.candidates]}


@dataclass(frozen=True)
class Call:
    """An annotation that expands in place to one runtime call (reports, get_next_parameter)."""

    function: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerChoice:
    label: str
    func: str
    kwargs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LayerSpec:
    name: str
    choices: tuple[LayerChoice, ...]
    fixed_inputs: tuple[str, ...]
    optional_inputs: tuple[tuple[str, str], ...]
    size: int | tuple[int, int]
    output: str


@dataclass(frozen=True)
class MutableLayers:
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


@dataclass(frozen=True)
class Nothing:
    """An annotation that expands to nothing (``training_update``)."""


Record = Variable | FunctionChoice | Call | MutableLayers | Nothing


@dataclass
class Annotation:
    """One annotation string statement, parsed. ``record`` is None when it had errors."""

    stmt: ast.Expr
    kind: str
    loc: Loc
    target: ast.stmt | None
    record: Record | None = None
    edits_ok: bool = True
    notes: list[str] = field(default_factory=list)

"""Annotations that used to pass silently, crash later, or give the wrong message: now located diagnostics."""

from __future__ import annotations

import pytest

from nniannot.errors import SearchSpaceError
from nniannot.searchspace import SearchSpace
from nniannot.transformer import transform

A = "'''@nni."


def _json_rule(spec: dict[str, object]) -> str:
    """The rule a search-space file with ``spec`` breaks, as :mod:`nniannot.searchspace` states it."""
    with pytest.raises(SearchSpaceError) as caught:
        SearchSpace.from_json({"k": spec})
    return str(caught.value).split(": ", 2)[-1]


@pytest.mark.parametrize(
    ("sampler", "values"),
    [
        ("randint", [1.5, 5]),
        ("randint", [5, 5]),
        ("uniform", [3, 1]),
        ("loguniform", [0, 1]),
        ("qloguniform", [1, 2, -1]),
        ("qnormal", [0, 0, 1]),
    ],
)
def test_a_sampler_breaks_the_same_rule_in_an_annotation_and_in_a_search_space_file(
    sampler: str, values: list[float]
) -> None:
    args = ", ".join(map(str, values))
    [error] = transform(f"{A}variable(nni.{sampler}({args}), name=x)'''\nx = 1\n").errors
    assert (error.line, error.col) == (1, 18)
    assert error.message == f"`nni.{sampler}`: {_json_rule({'_type': sampler, '_value': values})}"


def test_a_mutable_layer_size_breaks_the_same_rule_in_both_places() -> None:
    source = (
        f"{A}mutable_layers({{layer_choice: [f()], optional_inputs: [x], optional_input_size: [0, 2], "
        "layer_output: o})'''\n"
    )
    [error] = transform(source).errors
    spec = {"layer_choice": ["f()"], "optional_inputs": ["x"], "optional_input_size": [0, 2]}
    assert error.message == _json_rule({"_type": "mutable_layer", "_value": {"l": spec}})

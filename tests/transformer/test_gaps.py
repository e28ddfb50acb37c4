"""Annotations that used to pass silently, crash later, or give the wrong message: now located diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nniannot.cli import main
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


def _only_error(source: str) -> tuple[int, int, str]:
    result = transform(source)
    assert result.code == source
    [error] = result.errors
    return error.line, error.col, error.message


def test_a_sampler_inside_a_dict_option_is_an_error_that_says_what_to_write() -> None:
    line, col, message = _only_error(
        f"""{A}variable(nni.choice("sgd", {{"m": nni.uniform(0.5, 0.99)}}), name=opt)'''\nopt = "sgd"\n"""
    )
    assert (line, col) == (1, 42)
    assert message.startswith("`nni.uniform(0.5, 0.99)` is inside an option of `nni.choice`")
    assert "`nni.choice(..., nni.uniform(0.5, 0.99))`" in message


def test_a_sampler_deep_inside_a_nested_option_is_found_too() -> None:
    line, col, message = _only_error(
        f"{A}variable(nni.choice(1, nni.choice(2, [f(nni.randint(0, 4))])), name=x)'''\nx = 1\n"
    )
    assert (line, col) == (1, 49) and "`nni.randint(0, 4)` is inside an option" in message


def test_a_sampler_as_an_option_of_its_own_is_still_fine() -> None:
    result = transform(f"{A}variable(nni.choice('sgd', nni.uniform(0.5, 0.99)), name=opt)'''\nopt = 1\n")
    assert result.ok and "train/__line1/uniform" in result.search_space


def test_function_choice_candidates_must_be_calls() -> None:
    result = transform(f"{A}function_choice(1, g(x), k, name=f)'''\ny = g(x)\n")
    assert [(e.line, e.col) for e in result.errors] == [(1, 25), (1, 34)]
    assert "candidate of `@nni.function_choice` is a call such as `relu(x)`" in result.errors[0].message
    assert result.errors[0].message.endswith("but got `1`")
    assert result.errors[1].message.endswith("but got `k`")


@pytest.mark.parametrize(
    "body",
    [
        "variablex(nni.choice(1, 2),, name=x)",
        "variablx(nni.choice(1,\n  2), name=x)\n    extra",
        "variabl(",
    ],
)
def test_an_unknown_annotation_is_named_before_its_arguments_are_parsed(body: str) -> None:
    line, col, message = _only_error(f"{A}{body}'''\nx = 1\n")
    assert (line, col) == (1, 5)
    assert message.startswith(
        f"unknown annotation `@nni.{body.split('(')[0]}`; did you mean `@nni.variable`?"
    )


DICT_OPTION = f"{A}variable(nni.choice('sgd', {{'m': nni.uniform(0.5, 0.99)}}), name=opt)'''\nopt = 1\n"


@pytest.mark.parametrize("command", ["ss_gen", "expand"])
def test_ss_gen_and_expand_stop_at_a_sampler_inside_a_dict_option(tmp_path: Path, command: str) -> None:
    (tmp_path / "train.py").write_text(DICT_OPTION)
    result = CliRunner().invoke(main, [command, str(tmp_path / "train.py")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ":1:42: error: `nni.uniform(0.5, 0.99)` is inside an option of `nni.choice`" in result.stderr

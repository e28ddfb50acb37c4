"""The runtime rewritten code calls: standalone defaults, values by key inside a trial, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nniannot import annotation, protocol, trial
from nniannot.errors import ProtocolError


@pytest.fixture
def in_trial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name, value in protocol.trial_environment("E", "T", str(tmp_path), 0).items():
        monkeypatch.setenv(name, value)
    trial._reset_for_tests()
    yield tmp_path
    trial._reset_for_tests()


def params(sys_dir: Path, values: dict) -> None:  # type: ignore[type-arg]
    protocol.write_parameter_file(str(sys_dir), values)
    trial._reset_for_tests()


def concat(inputs: list, scale: int = 1) -> list:  # type: ignore[type-arg]
    fixed, optional = inputs
    return [scale * v for v in fixed + optional]


def test_standalone_mutable_layer_takes_the_first_choice_with_the_fewest_inputs() -> None:
    assert annotation.standalone()
    out = annotation.mutable_layer(
        "train/mutable_block_3", "mutable_layer_0", {"concat(scale=2)": concat, "concat()": concat},
        {"concat(scale=2)": {"scale": 2}, "concat()": {}}, [1], {"x1": 10, "x2": 20}, [1, 2],
    )  # fmt: skip
    assert out == [2, 20]


def test_inside_a_trial_values_are_read_by_key(in_trial: Path) -> None:
    params(
        in_trial, {"t/a/choice": "f(x)", "t/b/randint": 7.0, "t/c/uniform": 0.25, "t/f/function_choice": 2}
    )
    assert not annotation.standalone()
    assert annotation.choice("t/a/choice", "f(x)") and not annotation.choice("t/a/choice", "g(x)")
    assert annotation.randint("t/b/randint") == 7 and isinstance(annotation.randint("t/b/randint"), int)
    assert annotation.uniform("t/c/uniform") == 0.25
    assert annotation.function_choice("t/f/function_choice", 2)
    assert not annotation.function_choice("t/f/function_choice", True)


def test_inside_a_trial_the_chosen_layer_and_inputs_are_used(in_trial: Path) -> None:
    params(
        in_trial,
        {"m/mutable_block_3": {"mutable_layer_0": {"chosen_layer": "concat()", "chosen_inputs": ["x2"]}}},
    )
    out = annotation.mutable_layer(
        "m/mutable_block_3", "mutable_layer_0", {"concat(scale=2)": concat, "concat()": concat},
        {"concat(scale=2)": {"scale": 2}, "concat()": {}}, [1], {"x1": 10, "x2": 20}, [0, 1],
    )  # fmt: skip
    assert out == [1, 20]


def test_a_missing_parameter_is_an_error_naming_the_key(in_trial: Path) -> None:
    params(in_trial, {"t/a/choice": 1})
    with pytest.raises(ProtocolError, match="no parameter `t/lr/uniform`"):
        annotation.uniform("t/lr/uniform")


def test_a_value_outside_the_options_is_an_error(in_trial: Path) -> None:
    params(in_trial, {"t/a/choice": 3, "t/b/uniform": "x"})
    with pytest.raises(ProtocolError, match=r"must be one of \[1, 2\]"):
        annotation.no_choice("t/a/choice", (1, 2))
    with pytest.raises(ProtocolError, match="must be a finite number"):
        annotation.uniform("t/b/uniform")


def test_rewritten_code_reads_parameters_in_a_trial(in_trial: Path) -> None:
    from nniannot.transformer import transform

    source = (
        "'''@nni.variable(nni.choice(0.1, 0.01), name=lr)'''\nlr = 0.1\n"
        "'''@nni.variable(nni.choice(nni.uniform(0, 1), 5), name=v)'''\nv = 5\n"
        "'''@nni.report_final_result(lr)'''\n"
    )
    params(
        in_trial,
        {"train/lr/choice": 0.01, "train/v/choice": "nni.uniform(0, 1)", "train/__line3/uniform": 0.5},
    )
    namespace: dict = {}  # type: ignore[type-arg]
    exec(compile(transform(source).code, "train.py", "exec"), namespace)
    assert namespace["lr"] == 0.01 and namespace["v"] == 0.5
    assert b'"type": "FINAL"' in (in_trial / ".nni" / "metrics").read_bytes()

"""Annotations that used to pass silently, crash later, or give the wrong message: now located diagnostics."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_function_choice_candidates_must_be_calls_or_functions() -> None:
    result = transform(f"{A}function_choice(1, g(x), 'k', [h], name=f)'''\ny = g(x)\n")
    assert [(e.line, e.col) for e in result.errors] == [(1, 25), (1, 34), (1, 39)]
    rule = "candidate of `@nni.function_choice` is a function call such as `relu(x)` or a function"
    assert all(rule in e.message for e in result.errors)
    assert [e.message.rsplit("but got ", 1)[1] for e in result.errors] == ["`1`", "`'k'`", "`[h]`"]


def test_functions_themselves_are_candidates_too() -> None:
    result = transform(f"{A}function_choice(math.tanh, relu, acts['elu'], name=a)'''\na = math.tanh\n")
    assert result.ok
    assert result.search_space["train/a/function_choice"]["_value"] == ["math.tanh", "relu", "acts['elu']"]


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


LATIN1 = "x = 'caf\u00e9'\n'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n".encode("latin-1")


def test_bytes_that_are_not_utf8_are_located_by_the_library_call() -> None:
    result = transform(LATIN1)
    [error] = result.errors
    assert (error.line, error.col) == (1, 9)
    assert error.message.startswith("byte 0xe9 at line 1, byte 9 of the line, is not valid UTF-8")
    assert "Python source is UTF-8 unless it declares another encoding" in error.message
    assert "# -*- coding: latin-1 -*-" in error.message


def test_a_declared_encoding_is_honoured_and_a_wrong_one_named() -> None:
    declared = transform(b"# -*- coding: latin-1 -*-\n" + LATIN1)
    assert declared.ok and declared.search_space == {"train/a/choice": {"_type": "choice", "_value": [1, 2]}}
    [wrong] = transform(b"# coding: ascii\n" + LATIN1).errors
    assert (wrong.line, wrong.col) == (2, 9)
    assert "is not valid ascii" in wrong.message and "declares `ascii` on line 1" in wrong.message
    for name in ("klingon", "rot13"):
        [unknown] = transform(f"# coding: {name}\nx = 1\n".encode()).errors
        assert (unknown.line, unknown.message) == (
            1,
            f"line 1 declares the encoding `{name}`, which is not a text encoding Python knows; "
            "name one such as `utf-8` or `latin-1`",
        )


def test_expand_locates_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_bytes(LATIN1)
    result = CliRunner().invoke(main, ["expand", str(script)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[:3] == [
        f"{script}:1:9: error: " + transform(LATIN1).errors[0].message,
        "    x = 'caf\ufffd'",
        "            ^",
    ]


DEEP = "'''@nni.variable(nni.choice(" + "+".join(["1"] * 50_000) + ", 2), name=x)'''\nx = 1\n"
DEEP_CANDIDATE = "'''@nni.function_choice(f(" + "+".join(["1"] * 3_000) + "), name=g)'''\ny = 2\n"


@pytest.mark.parametrize("source", [DEEP, DEEP_CANDIDATE], ids=["50000-terms", "3000-terms"])
def test_an_annotation_too_deep_for_python_is_a_located_error(source: str) -> None:
    result = transform("x = 0\n" + source)
    [error] = result.errors
    assert (error.line, error.col) == (2, 5)
    assert "nests too deeply to be analysed" in error.message
    assert len(error.format()) < 1_000  # the shown line is cut short after the caret


@pytest.mark.parametrize("command", ["ss_gen", "expand"])
def test_ss_gen_and_expand_report_a_too_deep_annotation_without_a_traceback(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "train.py").write_text(DEEP)
    result = CliRunner().invoke(main, [command, str(tmp_path / "train.py")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ":1:5: error: this annotation (or the statement it annotates) nests too deeply" in result.stderr


def _warnings(source: str) -> list[tuple[int, int, str]]:
    result = transform(source)
    assert result.ok and result.code == source
    return [(w.line, w.col, w.message) for w in result.warnings]


def test_a_string_without_the_at_sign_is_said_to_be_inert() -> None:
    [(line, col, message)] = _warnings("x = 0\n'''nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n")
    assert (line, col) == (2, 1)
    assert message == (
        "this string is inert: it reads like `@nni.variable(...)`, but an annotation starts with `@nni.`; "
        "write `'''@nni.variable(...)'''` to make it one"
    )


def test_ordinary_strings_and_docstrings_get_no_warning() -> None:
    source = (
        "\"\"\"How to tune: write '''@nni.variable(nni.choice(1, 2), name=a)''' above `a = 1`.\"\"\"\n"
        "# '''@nni.variable(nni.choice(1, 2), name=b)''' (switched off)\n"
        "print('@nni.variable is how it is spelled', 'nni.variable is the runtime')\n"
        "'''nni.variables are read from the trial'''\n"
    )
    assert _warnings(source) == []


NOT_A_STATEMENT = "this string looks like an annotation but is not one: an annotation is a string statement"


@pytest.mark.parametrize(
    ("source", "col"),
    [
        ("f = lambda: '''@nni.report_final_result(1)'''\n", 13),
        ("xs = ['@nni.report_intermediate_result(1)' for i in range(3)]\n", 7),
        ("run('''@nni.variable(nni.choice(1, 2), name=a)''')\n", 5),
        ("a = '''@nni.variable(nni.choice(1, 2), name=a)'''\n", 5),
        ("if x:\n    pass\nelif y == '@nni.get_next_parameter()':\n    pass\n", 11),
        ("def f(x=[f'@nni.report_final_result({v})' for v in w]):\n    pass\n", 10),
    ],
)
def test_an_annotation_inside_an_expression_is_said_not_to_be_a_statement(source: str, col: int) -> None:
    [(line, got_col, message)] = _warnings(source)
    assert (line, got_col) == (source[: source.index("@nni.")].count("\n") + 1, col)
    assert message.startswith(NOT_A_STATEMENT)


def test_an_f_string_or_bytes_statement_is_said_not_to_be_an_annotation() -> None:
    source = "acc = 1\nf'''@nni.report_final_result({acc})'''\nb'''@nni.report_final_result(1)'''\n"
    assert [(line, message.split(";")[0]) for line, _, message in _warnings(source)] == [
        (2, "an f-string is not an annotation (its text is only known when the script runs)"),
        (3, "a bytes literal is not an annotation"),
    ]


def test_the_warnings_stand_beside_real_annotations() -> None:
    source = (
        "'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n"
        "g = lambda: '''@nni.report_final_result(a)'''\n"
        "'''@nni.report_final_result(a)'''\n"
    )
    result = transform(source)
    assert result.ok and result.search_space == {"train/a/choice": {"_type": "choice", "_value": [1, 2]}}
    assert [(w.line, w.message.startswith(NOT_A_STATEMENT)) for w in result.warnings] == [(3, True)]


def test_ss_gen_prints_the_warning_compiler_style(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n'''nni.report_final_result(a)'''\n"
    )
    result = CliRunner().invoke(main, ["ss_gen", str(tmp_path / "train.py")])
    assert result.exit_code == 0
    assert (
        ":3:1: warning: this string is inert: it reads like `@nni.report_final_result(...)`" in result.stderr
    )


def test_a_file_whose_only_annotations_report_has_annotations_and_reports(tmp_path: Path) -> None:
    source = (
        "'''@nni.get_next_parameter()'''\n"
        "for step in range(2):\n"
        "    '''@nni.report_intermediate_result(step / 2)'''\n"
        "'''@nni.report_final_result({'default': 0.5, 'loss': 1})'''\n"
    )
    result = transform(source)
    assert result.ok and result.has_annotations and result.search_space == {}
    script = tmp_path / "train.py"
    script.write_text(source)
    expanded = CliRunner().invoke(main, ["expand", str(script)])
    assert expanded.exit_code == 0 and expanded.stdout == result.code != source
    assert "no annotations" not in expanded.stderr
    trial = tmp_path / "trial"
    trial.mkdir()
    (trial / "parameter.cfg").write_text('{"parameter_id": 0, "parameters": {}}')
    (tmp_path / "expanded.py").write_text(result.code)
    env = {**os.environ, "NNI_PLATFORM": "local", "NNI_SYS_DIR": str(trial), "NNI_TRIAL_JOB_ID": "T1"}
    env.update(NNI_EXP_ID="E1", NNI_OUTPUT_DIR=str(trial), NNI_TRIAL_SEQ_ID="0")
    done = subprocess.run(
        [sys.executable, str(tmp_path / "expanded.py")], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    metrics = (trial / ".nni" / "metrics").read_text()
    assert metrics.count('"PERIODICAL"') == 2 and metrics.count('"FINAL"') == 1


def test_ss_gen_locates_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_bytes(LATIN1)
    result = CliRunner().invoke(main, ["ss_gen", str(tmp_path / "train.py")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ":1:9: error: byte 0xe9 at line 1, byte 9 of the line, is not valid UTF-8" in result.stderr

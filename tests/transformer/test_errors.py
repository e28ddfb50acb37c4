"""Every error of ANNOTATIONS.md section 4: message, line and column; all errors of a file in one pass."""

from __future__ import annotations

import pytest

from nniannot.transformer import transform

A = "'''@nni."  # annotations below start at column 1; the call starts at column 5

CASES = [
    # (source, line, col, part of the message)
    (f"{A}report_final_result(a); b'''\n", 1, 33, "exactly one call, but this one has 2 statements"),
    (f"{A}variable'''\nx = 1\n", 1, 5, "must be a call"),
    (f"{A}variablex(nni.choice(1), name=x)'''\nx = 1\n", 1, 5, "did you mean `@nni.variable`?"),
    (
        f"{A}variable(nni.choice(1), name=x, size=3)'''\nx = 1\n",
        1,
        41,
        "no keyword other than `name`, but got `size=`",
    ),
    (f"{A}variable(nni.choice(1, 2))'''\nx = 1\n", 1, 5, "needs a `name=` argument"),
    (f"{A}variable(nni.choice(1), nni.choice(2), name=x)'''\nx = 1\n", 1, 33, "exactly one sampler call"),
    (f"{A}variable(3, name=x)'''\nx = 1\n", 1, 18, "must be a sampler call"),
    (f"{A}variable(nni.choise(1, 2), name=x)'''\nx = 1\n", 1, 18, "did you mean `nni.choice`?"),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\nx += 1\n", 1, 5, "augmented assignment"),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\nx: int = 1\n", 1, 5, "has a type annotation"),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\nx = y = 1\n", 1, 5, "assigns several targets"),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\nx, y = 1, 2\n", 1, 5, "unpacks a sequence"),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\nprint(1)\n", 1, 5, "must annotate an assignment to `x`"),
    (
        f"{A}variable(nni.choice(0.1, 0.01), name=learning_rate)'''\nlr = 0.1\n",
        1,
        5,
        "@nni.variable annotates `lr = 0.1` but its name is `learning_rate`",
    ),
    (
        f"{A}variable(nni.choice(1, 2), name=x)'''\n{A}report_final_result(1)'''\n",
        1,
        5,
        "annotates another annotation",
    ),
    (f"{A}variable(nni.choice(1, 2), name=x)'''\n", 1, 5, "annotation has no statement to annotate"),
    (
        f"if c:\n    {A}variable(nni.choice(1, 2), name=x)'''\nelse:\n    x = 1\n",
        2,
        9,
        "annotation has no statement to annotate",
    ),
    (
        f"{A}variable(nni.choice(nni.uniform(0, 1), nni.uniform(0, 2)), name=x)'''\nx = 1\n",
        1,
        48,
        "two unnamed samplers on line 1",
    ),
    (f"{A}variable(nni.uniform(0, lo), name=x)'''\nx = 1\n", 1, 33, "must be number literals"),
    (f"{A}variable(nni.uniform(0, 1, name=x), name=x)'''\nx = 1\n", 1, 36, "takes no keyword arguments"),
    (
        f"{A}variable(nni.uniform(0, 1, 2), name=x)'''\nx = 1\n",
        1,
        18,
        "takes 2 arguments (low, high), but got 3",
    ),
    (f"{A}variable(nni.randint(2, 3, 5), name=x)'''\nx = 1\n", 1, 18, "takes 2 arguments"),
    (
        f"{A}variable(nni.uniform(3, 1), name=x)'''\nx = 1\n",
        1,
        18,
        "`low < high` must hold, but got low=3, high=1",
    ),
    (f"{A}variable(nni.loguniform(0, 1), name=x)'''\nx = 1\n", 1, 18, "0 < low"),
    (f"{A}function_choice(f(x), g(x), name=a)'''\ny = h(x)\n", 1, 5, "none of the candidates"),
    (f"{A}function_choice(name=a)'''\ny = h(x)\n", 1, 5, "needs one or more candidate"),
    (f"{A}report_final_result(a, b)'''\n", 1, 5, "exactly one metric"),
    (f"{A}get_next_parameter(1)'''\n", 1, 5, "takes no arguments"),
    (
        f"{A}mutable_layers({{layer_choice: [f()], layer_choice: [g()], layer_output: o}})'''\n",
        1,
        46,
        "duplicated field `layer_choice`",
    ),
    (
        f"{A}mutable_layers({{layer_choise: [f()], layer_output: o}})'''\n",
        1,
        25,
        "did you mean `layer_choice`?",
    ),
    (f"{A}mutable_layers({{layer_output: o}})'''\n", 1, 24, "needs `layer_choice`"),
    (f"{A}mutable_layers({{layer_choice: [f()]}})'''\n", 1, 24, "needs `layer_output`"),
    (f"{A}mutable_layers({{layer_choice: f(), layer_output: o}})'''\n", 1, 39, "non-empty list of calls"),
    (f"{A}mutable_layers({{layer_choice: [f], layer_output: o}})'''\n", 1, 40, "must be a call"),
    (f"{A}mutable_layers({{layer_choice: [f(3)], layer_output: o}})'''\n", 1, 42, "keyword arguments only"),
    (
        f"{A}mutable_layers({{layer_choice: [f()], fixed_inputs: x, layer_output: o}})'''\n",
        1,
        60,
        "`fixed_inputs` must be a list",
    ),
    (
        f"{A}mutable_layers({{layer_choice: [f()], optional_inputs: x, optional_input_size: 1, layer_output: o}})'''\n",
        1,
        63,
        "`optional_inputs` must be a list",
    ),
    (
        f"{A}mutable_layers({{layer_choice: [f()], optional_inputs: [x], optional_input_size: 'a', layer_output: o}})'''\n",
        1,
        89,
        "must be an int or [min, max]",
    ),
    (
        f"{A}mutable_layers({{layer_choice: [f()], optional_inputs: [x], layer_output: o}})'''\n",
        1,
        24,
        "`optional_input_size` (an int or [min, max]) is required",
    ),
    (
        f"{A}mutable_layers({{layer_choice: [f()], layer_output: self.o}})'''\n",
        1,
        60,
        "must be a bare variable name",
    ),
    (
        f"{A}mutable_layers({{layer_choice: [f()], optional_inputs: [x], optional_input_size: 2, layer_output: o}})'''\n",
        1,
        24,
        "`0 <= min <= max <= len(optional_inputs)` must hold",
    ),
    (f"{A}variable(nni.choice(1, name=x)'''\nx = 1\n", 1, 17, "not valid Python"),
]


@pytest.mark.parametrize(("source", "line", "col", "message"), CASES, ids=[c[3][:40] for c in CASES])
def test_error_is_located_and_says_what_is_wrong(source: str, line: int, col: int, message: str) -> None:
    result = transform(source)
    errors = result.errors
    assert errors, f"no error for {source!r}"
    first = next((e for e in errors if message in e.message), errors[0])
    assert message in first.message
    assert (first.line, first.col) == (line, col), first.format()
    assert first.path == "train.py"
    assert result.code == source


def test_a_clash_names_both_places() -> None:
    source = (
        f"{A}variable(nni.choice(1, 2), name=n)'''\nn = 1\n{A}variable(nni.choice(1, 3), name=n)'''\nn = 1\n"
    )
    [error] = transform(source).errors
    assert error.line == 3
    assert "`train/n/choice` is defined twice with different values" in error.message
    assert "at line 1" in error.message


def test_all_errors_of_a_file_are_reported_in_one_pass() -> None:
    source = (
        f"{A}variablex(1)'''\n"
        "x = 1\n"
        f"{A}variable(nni.uniform(3, 1), name=y)'''\n"
        "y = 1\n"
        "def f():\n"
        f"    {A}report_final_result()'''\n"
    )
    errors = transform(source).errors
    assert [e.line for e in errors] == [1, 3, 6]


def test_compiler_style_rendering_has_the_line_and_a_caret() -> None:
    source = f"{A}variable(nni.choice(0.1, 0.01), name=learning_rate)'''\nlr = 0.1\n"
    [error] = transform(source).errors
    assert error.format().splitlines() == [
        "train.py:1:5: error: @nni.variable annotates `lr = 0.1` but its name is `learning_rate` "
        "(use `name=lr`, or annotate the assignment to `learning_rate`)",
        "    '''@nni.variable(nni.choice(0.1, 0.01), name=learning_rate)'''",
        "        ^",
    ]


def test_training_update_without_mutable_layers_in_the_file_is_a_located_warning() -> None:
    result = transform(f"x = 1\n{A}training_update(tf=tf, session=s)'''\n")
    assert result.ok
    [warning] = result.warnings
    assert (warning.line, "no `@nni.mutable_layers`" in warning.message) == (2, True)


def test_training_update_beside_mutable_layers_is_silent() -> None:
    layers = f"{A}mutable_layers({{layer_choice: [f()], fixed_inputs: [x], layer_output: y}})'''\n"
    result = transform(f"{layers}{A}training_update(loss=loss)'''\n")
    assert result.ok and result.warnings == []


def test_positions_in_a_multiline_annotation_point_at_the_right_line() -> None:
    source = f"{A}variable(\n    nni.uniform(0, lo),\n    name=x)'''\nx = 1\n"
    [error] = transform(source).errors
    assert (error.line, error.col) == (2, 20)


def test_bad_python_is_an_error_not_a_crash() -> None:
    result = transform(f"{A}report_final_result(1)'''\ndef f(:\n")
    [error] = result.errors
    assert error.line == 2 and "invalid Python syntax" in error.message


# Valid annotations before the faulty one, one of them over two lines: the annotations of a file are
# parsed together when they can be, and every error must still point at the same place.
BEFORE = (
    "'''@nni.variable(nni.choice(1, 2),\n    name=p)'''\np = 1\n'''@nni.report_intermediate_result(p)'''\n"
)


@pytest.mark.parametrize(("source", "line", "col", "message"), CASES, ids=[c[3][:40] for c in CASES])
def test_error_after_other_annotations_is_located_the_same(
    source: str, line: int, col: int, message: str
) -> None:
    errors = transform(BEFORE + source).errors
    wanted = message.split(" on line ")[0]  # a line number in the message moves with the code
    first = next((e for e in errors if wanted in e.message), None)
    assert first is not None, [e.format() for e in errors]
    assert (first.line, first.col) == (line + BEFORE.count("\n"), col), first.format()

"""``specialise_source``: annotated source and one trial's parameters in, the plain code of that trial out."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nniannot.errors import AnnotationError
from nniannot.transformer import locate, transform
from nniannot.transformer.codemods import specialise_source

ROOT = Path(__file__).resolve().parents[2]


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def assert_specialises(before: str, params: dict[str, Any], after: str, module: str = "train") -> None:
    result = specialise_source(source(before), module, params, "train.py")
    assert result.code == source(after)
    assert result.notes == []
    compile(result.code, "train.py", "exec")


# ---- before / after, one behaviour each ----


def test_an_annotated_assignment_gets_the_value_and_the_annotation_becomes_a_comment() -> None:
    assert_specialises(
        """
        '''@nni.variable(nni.choice(1, 2), name=a)'''
        a = 1
        """,
        {"train/a/choice": 2},
        """
        # chosen from nni.choice(1, 2)
        a = 2
        """,
    )


def test_a_one_line_compound_statement_becomes_a_block_that_compiles() -> None:
    assert_specialises(
        """
        fast = True
        if fast: '''@nni.variable(nni.choice(1, 2), name=a)'''; a = 1
        """,
        {"train/a/choice": 2},
        """
        fast = True
        if fast:
            # chosen from nni.choice(1, 2)
            a = 2
        """,
    )


def test_a_line_with_semicolons_is_split_around_the_annotation_and_keeps_its_comment() -> None:
    assert_specialises(
        """
        x = 0; '''@nni.variable(nni.uniform(0, 1), name=b)'''; b = 0.5  # why
        y = 1; z = 2
        """,
        {"train/b/uniform": 0.25},
        """
        x = 0
        # chosen from nni.uniform(0, 1)
        b = 0.25  # why
        y = 1; z = 2
        """,
    )


def test_an_else_branch_on_one_line() -> None:
    assert_specialises(
        """
        if False: pass
        else: '''@nni.variable(nni.randint(2, 9), name=n)'''; n = 2  # keep
        """,
        {"train/n/randint": 7},
        """
        if False: pass
        else:  # keep
            # chosen from nni.randint(2, 9)
            n = 7
        """,
    )


def test_one_line_bodies_of_match_try_finally_and_with() -> None:
    assert_specialises(
        """
        match mode:
            case "fast": '''@nni.variable(nni.choice(1, 2), name=a)'''; a = 1
            case _: a = 0
        try: '''@nni.function_choice(f(1), f(2), name=g)'''; y = f(1)
        finally: '''@nni.get_next_parameter()'''
        with open(p) as fh: '''@nni.variable(nni.uniform(0, 1), name=u)'''; u = 0.5
        """,
        {"train/a/choice": 2, "train/g/function_choice": "f(2)", "train/u/uniform": 0.75},
        """
        match mode:
            case "fast":
                # chosen from nni.choice(1, 2)
                a = 2
            case _: a = 0
        try:
            # chosen from nni.function_choice(f(1), f(2))
            y = f(2)
        finally:
            pass  # was @nni.get_next_parameter
        with open(p) as fh:
            # chosen from nni.uniform(0, 1)
            u = 0.75
        """,
    )


def test_nested_blocks_and_a_class_body_keep_their_indentation() -> None:
    assert_specialises(
        """
        for i in range(2):
            if i:
                class Net:
                    '''@nni.variable(nni.choice(16, 32), name=width)'''
                    width = 16
        """,
        {"train/width/choice": 32},
        """
        for i in range(2):
            if i:
                class Net:
                    # chosen from nni.choice(16, 32)
                    width = 32
        """,
    )


def test_a_function_choice_in_a_decorator_puts_its_comment_above_the_decorators() -> None:
    assert_specialises(
        """
        '''@nni.function_choice(cache(1), cache(2), name=deco)'''
        @cache(1)
        def f():   # odd  spacing stays
            return   1
        """,
        {"train/deco/function_choice": "cache(2)"},
        """
        # chosen from nni.function_choice(cache(1), cache(2))
        @cache(2)
        def f():   # odd  spacing stays
            return   1
        """,
    )


def test_a_function_choice_replaces_every_matching_call() -> None:
    assert_specialises(
        """
        '''@nni.function_choice(max(a, b), min(a, b), name=op)'''
        y = 2 * max(a, b) + g(max(a, b))
        """,
        {"train/op/function_choice": "min(a, b)"},
        """
        # chosen from nni.function_choice(max(a, b), min(a, b))
        y = 2 * min(a, b) + g(min(a, b))
        """,
    )


def test_an_expression_option_is_its_source_text() -> None:
    assert_specialises(
        """
        '''@nni.variable(nni.choice(nn.ReLU(), nn.LeakyReLU(0.1), 1e-3), name=act)'''
        act = nn.ReLU()
        """,
        {"train/act/choice": "nn.LeakyReLU(0.1)"},
        """
        # chosen from nni.choice(nn.ReLU(), nn.LeakyReLU(0.1), 1e-3)
        act = nn.LeakyReLU(0.1)
        """,
    )


def test_a_nested_sampler_gives_its_own_value() -> None:
    assert_specialises(
        """
        '''@nni.variable(nni.choice(16, nni.randint(2, 5)), name=h)'''
        h = 16
        """,
        {"train/h/choice": "nni.randint(2, 5)", "train/__line1/randint": 3},
        """
        # chosen from nni.choice(16, nni.randint(2, 5))
        h = 3
        """,
    )


def test_mutable_layers_in_a_one_line_body_become_plain_assignments() -> None:
    assert_specialises(
        """
        if x0: '''@nni.mutable_layers({layer_choice: [add(k=1), mul(k=3)], fixed_inputs: [x0], optional_inputs: [x1, x2], optional_input_size: [0, 2], layer_output: out}, {layer_choice: [add(k=2)], fixed_inputs: [out], layer_output: out2})'''
        """,
        {"train/mutable_block_1": {"mutable_layer_0": {"chosen_layer": "mul(k=3)", "chosen_inputs": ["x2"]},
                                   "mutable_layer_1": {"chosen_layer": "add(k=2)", "chosen_inputs": []}}},
        """
        if x0:
            # chosen by nni.mutable_layers (train/mutable_block_1)
            out = mul([[x0], [x2]], k=3)
            out2 = add([[out], []], k=2)
        """,
    )  # fmt: skip


def test_get_next_parameter_becomes_pass_and_reports_stay() -> None:
    assert_specialises(
        """
        def main():
            '''@nni.get_next_parameter()'''  # early
            '''@nni.report_final_result(1.0)'''
        """,
        {},
        """
        def main():
            pass  # was @nni.get_next_parameter  # early
            '''@nni.report_final_result(1.0)'''
        """,
    )


def test_comments_blank_lines_and_a_windows_newline_are_kept() -> None:
    before = (
        "x  =  1   # spaced\r\n\r\n# section\r\n'''@nni.variable(nni.choice(1, 2), name=a)'''\r\na = 1\r\n"
    )
    after = "x  =  1   # spaced\r\n\r\n# section\r\n# chosen from nni.choice(1, 2)\r\na = 2\r\n"
    assert specialise_source(before, "train", {"train/a/choice": 2}).code == after


def test_positions_hold_with_non_ascii_text_and_parentheses() -> None:
    assert_specialises(
        """
        été = "é"; '''@nni.variable(nni.choice(1, 2), name=a)'''; a = ((1))
        """,
        {"train/a/choice": 2},
        """
        été = "é"
        # chosen from nni.choice(1, 2)
        a = ((2))
        """,
    )


def test_keys_of_other_modules_are_ignored() -> None:
    result = specialise_source(
        "'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n",
        "models.mlp",
        {"train/a/choice": 2, "models.mlp/a/choice": 1},
    )
    assert result.code == "# chosen from nni.choice(1, 2)\na = 1\n"
    assert result.notes == []


def test_a_missing_value_keeps_the_default_with_a_note() -> None:
    result = specialise_source(
        "'''@nni.variable(nni.uniform(0, 1), name=a)'''\na = 0.5\n"
        "'''@nni.mutable_layers({layer_choice: [f(), g()], layer_output: y})'''\n",
        "train",
        {},
        "train.py",
    )
    assert result.code == (
        "# chosen from nni.uniform(0, 1)\na = 0.5\n"
        "# chosen by nni.mutable_layers (train/mutable_block_3)\ny = f([[], []])\n"
    )
    assert result.notes == [
        "train.py: the parameters have no `train/a/uniform`; its code is kept as written",
        "train.py: the parameters have no `train/mutable_block_3`; its first choices are shown",
    ]


def test_a_value_that_is_none_of_the_options_keeps_the_code_with_a_note() -> None:
    result = specialise_source(
        "'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n", "train", {"train/a/choice": 7}
    )
    assert result.code == "# chosen from nni.choice(1, 2)\na = 1\n"
    assert result.notes == ["<file>: `train/a/choice` = 7 is none of its options; code kept as written"]


def test_a_file_without_annotations_comes_back_unchanged() -> None:
    assert specialise_source("x = 1  # comment\n", "train", {}).code == "x = 1  # comment\n"


def test_annotation_errors_are_located_diagnostics_not_a_traceback() -> None:
    bad = "x = 1\nif x: '''@nni.variable(nni.choice(1, 2), name=b)'''; a = 1\n"
    with pytest.raises(AnnotationError) as caught:
        specialise_source(bad, "train", {}, "train.py")
    [diag] = caught.value.diagnostics
    assert (diag.path, diag.line) == ("train.py", 2)
    assert "its name is `b`" in diag.message
    assert str(caught.value).startswith("train.py:2:")


def test_invalid_python_is_an_annotation_error_with_its_place() -> None:
    with pytest.raises(AnnotationError) as caught:
        specialise_source("'''@nni.get_next_parameter()'''\nif x\n", "train", {}, "train.py")
    assert caught.value.diagnostics[0].line == 2
    assert "invalid Python syntax" in caught.value.diagnostics[0].message


# ---- libcst stays off the hot path ----


def test_libcst_is_imported_by_the_codemods_only(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def imports(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *argv], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "libcst" not in imports("-c", "import nniannot.transformer, nniannot.transformer.core")
    assert "libcst" not in imports("-m", "nniannot", "ss_gen", "train.py")
    assert "libcst" not in imports("-m", "nniannot", "expand", "train.py")
    assert "libcst" in imports("-c", "import nniannot.transformer.codemods")


def test_no_module_outside_the_codemods_imports_libcst() -> None:
    offenders = []
    for top in ("nniannot", "transformer", "runner", "viewer"):
        for folder, _, files in os.walk(ROOT / top):  # the symlinks in nniannot/ are not followed
            if Path(folder).is_relative_to(ROOT / "transformer" / "codemods"):
                continue
            for name in (f for f in files if f.endswith(".py")):
                path = Path(folder) / name
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                    names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                    if any(n.split(".")[0] == "libcst" for n in names):
                        offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# ---- property: generated scripts, values drawn from their own search space ----

PRELUDE = """
def pick(name, v):
    return (name, v)

def deco(f):
    return f

def lay1(inputs, k):
    return ("lay1", inputs, k)

def lay2(inputs, k):
    return ("lay2", inputs, k)

x10, x20 = 10, 20
"""
OPTIONS = [
    ("1", 1), ("-2", -2), ("0.5", 0.5), ("'s'", "s"), ("True", True), ("None", None), ("[1, 2]", [1, 2]),
    ("(3, 4)", (3, 4)), ("2 * 3", 6), ("abs(-5)", 5), ("1e-3", 0.001), ("{'k': 1}", {"k": 1}),
]  # fmt: skip
NUMERIC = ["nni.uniform(-1, 1)", "nni.quniform(0, 10, 2)", "nni.loguniform(1e-4, 1e-1)",
           "nni.normal(0, 1)", "nni.randint(2, 9)", "nni.qlognormal(1, 0.5, 1)"]  # fmt: skip
NESTED = "nni.randint(100, 200)"
FORMS = {
    "line": "{ann}\n{v} = {default}\n",
    "semicolon": "x_{v} = 1; {ann}; {v} = {default}  # default\n",
    "suite": "if True: {ann}; {v} = {default}\n",
    "else": "if False: pass\nelse: {ann}; {v} = {default}\n",
    "block": "if True:\n    # {v}\n    {ann}\n\n    {v} = {default}\n",
    "class": "class C_{v}:\n    {ann}\n    {v} = {default}\n{v} = C_{v}.{v}\n",
    "def": "@deco\ndef make_{v}():\n    {ann}; {v} = {default}\n    return {v}\n{v} = make_{v}()\n",
}
LAYER_FORMS = {
    "line": "{ann}\n",
    "suite": "if True: {ann}  # layers\n",
    "class": "class C_{v}:\n    {ann}\n{v} = C_{v}.{v}\n",
}


@st.composite
def annotation(draw: st.DrawFn, v: str) -> tuple[str, Any]:
    """An annotation for variable ``v`` and how to find its expected value from the parameters."""
    kind = draw(st.sampled_from(["choice", "numeric", "function", "layers"]))
    if kind == "numeric":
        return f"'''@nni.variable({draw(st.sampled_from(NUMERIC))}, name={v})'''", ("value",)
    if kind == "function":
        return f"'''@nni.function_choice(pick('a', 1), pick('b', 2), name={v})'''", ("function",)
    if kind == "layers":
        text = (f"'''@nni.mutable_layers({{layer_choice: [lay1(k=1), lay2(k=2)], fixed_inputs: [7], "
                f"optional_inputs: [x10, x20], optional_input_size: [0, 2], layer_output: {v}}})'''")  # fmt: skip
        return text, ("layers",)
    options = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4, unique_by=lambda o: o[0]))
    if draw(st.booleans()):
        options.insert(draw(st.integers(0, len(options))), (NESTED, None))
    written = ", ".join(o for o, _ in options)
    return f"'''@nni.variable(nni.choice({written}), name={v})'''", ("choice", options)


def draw_value(draw: st.DrawFn, spec: dict[str, Any]) -> Any:
    kind, value = spec["_type"], spec["_value"]
    if kind == "choice":
        return draw(st.sampled_from(value))
    if kind == "randint":
        return draw(st.integers(value[0], value[1] - 1))
    if kind == "mutable_layer":
        layer = value["mutable_layer_0"]
        low, high = layer["optional_input_size"]
        inputs = st.lists(st.sampled_from(layer["optional_inputs"]), min_size=low, max_size=high, unique=True)
        return {"mutable_layer_0": {"chosen_layer": draw(st.sampled_from(layer["layer_choice"])),
                                    "chosen_inputs": draw(inputs)}}  # fmt: skip
    if "normal" in kind:
        return draw(st.floats(-100, 100))
    return draw(st.floats(value[0], value[1]))


def expected(how: tuple[Any, ...], key: str, keys: list[str], params: dict[str, Any]) -> Any:
    got = params[key]
    if how[0] == "function":
        return ("a", 1) if got == "pick('a', 1)" else ("b", 2)
    if how[0] == "layers":
        layer = got["mutable_layer_0"]
        name, k = ("lay1", 1) if layer["chosen_layer"] == "lay1(k=1)" else ("lay2", 2)
        return (name, [[7], [int(i[1:]) for i in layer["chosen_inputs"]]], k)
    if how[0] == "value":
        return got
    labels = transform_space_labels(how[1])
    option, value = how[1][[typed(label) for label in labels].index(typed(got))]
    return params[keys[keys.index(key) + 1]] if option == NESTED else value


def transform_space_labels(options: list[tuple[str, Any]]) -> list[Any]:
    text = ", ".join(o for o, _ in options)
    space = transform(f"'''@nni.variable(nni.choice({text}), name=v)'''\nv = 0\n").search_space
    return list(space["train/v/choice"]["_value"])


def typed(value: Any) -> Any:
    """Compare 1, 1.0 and True as different values, as the runtime does."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    return (type(value).__name__, value)


# No shrinking phase: on a shared, loaded machine shrinking a failure can take minutes; the failing
# draws are printed as they are.
@settings(
    max_examples=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data())
def test_specialised_code_compiles_has_no_annotation_left_and_holds_the_chosen_values(
    data: st.DataObject,
) -> None:
    count = data.draw(st.integers(1, 4))
    chunks, hows = [PRELUDE], []
    if data.draw(st.booleans()):
        chunks.append("'''@nni.get_next_parameter()'''\n")
    for i in range(count):
        v = f"v{i}"
        ann, how = data.draw(annotation(v))
        forms = LAYER_FORMS if how[0] == "layers" else FORMS
        form = data.draw(st.sampled_from(sorted(forms)))
        default = "pick('a', 1)" if how[0] == "function" else "0"
        chunks.append(forms[form].format(ann=ann, v=v, default=default))
        hows.append((v, how))
    script = "".join(chunks)
    analysed = transform(script)
    assert analysed.ok, analysed.diagnostics
    space = analysed.search_space
    params = {key: draw_value(data.draw, spec) for key, spec in space.items()}

    result = specialise_source(script, "train", params, "train.py")

    assert result.notes == []
    tree = ast.parse(result.code)
    assert locate.find(tree)[0] == []
    namespace: dict[str, Any] = {}
    exec(compile(tree, "best.py", "exec"), namespace)
    keys = list(space)
    for v, how in hows:
        key = _key_of(v, how, keys, script)
        assert typed(namespace[v]) == typed(expected(how, key, keys, params)), (v, result.code)


def _key_of(v: str, how: tuple[Any, ...], keys: list[str], script: str) -> str:
    if how[0] != "layers":
        return next(k for k in keys if k.startswith(f"train/{v}/"))
    end = next(n for n, line in enumerate(script.splitlines(), 1) if f"layer_output: {v}}}" in line)
    return f"train/mutable_block_{end}"

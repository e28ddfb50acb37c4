"""The rewritten trial code: same lines, everything else byte for byte, same behaviour standalone."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from nniannot.transformer import transform

H = "from nniannot import annotation as _nni_annot"


def rewrite(before: str) -> str:
    result = transform(textwrap.dedent(before))
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.code


def check(before: str, after: str) -> None:
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    code = rewrite(before)
    assert code == after
    assert code.count("\n") == before.count("\n")


def test_variable_at_module_level_keeps_comments_and_odd_spacing() -> None:
    check(
        """\
        x  =  1   # before
        '''@nni.variable(nni.randint(1, 5), name=n)'''   # the annotation
        n   =   2  # after
        """,
        f"""\
        x  =  1   # before
        {H}   # the annotation
        n   =   2 if _nni_annot.standalone() else _nni_annot.randint('train/n/randint')  # after
        """,
    )


def test_choice_reads_the_chosen_option_lazily() -> None:
    check(
        """\
        '''@nni.variable(nni.choice(0.1, f(2)), name=lr)'''
        lr = 0.1
        """,
        f"""\
        {H}
        lr = 0.1 if _nni_annot.standalone() else (0.1 if _nni_annot.choice('train/lr/choice', 0.1) else f(2) if _nni_annot.choice('train/lr/choice', 'f(2)') else _nni_annot.no_choice('train/lr/choice', (0.1, 'f(2)',)))
        """,
    )


def test_function_choice_wraps_every_matching_call_also_nested() -> None:
    check(
        """\
        def f(x):
            '''@nni.function_choice(g(x), name=a)'''
            return h(g(x)) + g(x)
        """,
        f"""\
        def f(x):
            {H}
            return h((g(x) if _nni_annot.standalone() else (g(x) if _nni_annot.function_choice('train/a/function_choice', 'g(x)') else _nni_annot.no_choice('train/a/function_choice', ('g(x)',))))) + (g(x) if _nni_annot.standalone() else (g(x) if _nni_annot.function_choice('train/a/function_choice', 'g(x)') else _nni_annot.no_choice('train/a/function_choice', ('g(x)',))))
        """,
    )


def test_reports_expand_in_place_in_loops_and_multiline_strings_keep_their_lines() -> None:
    check(
        """\
        for epoch in range(3):
            acc = epoch / 3
            '''@nni.report_intermediate_result(
                acc
            )'''
        '''@nni.report_final_result({"default": acc, "loss": 1 - acc})'''
        """,
        f"""\
        for epoch in range(3):
            acc = epoch / 3
            {H}; _nni_annot.report_intermediate_result(acc

        )
        {H}; _nni_annot.report_final_result({{'default': acc, 'loss': 1 - acc}})
        """,
    )


def test_get_next_parameter_and_training_update() -> None:
    check(
        """\
        '''@nni.get_next_parameter()'''
        '''@nni.training_update(tf=tf)'''
        """,
        f"""\
        {H}; _nni_annot.get_next_parameter()
        {H}; _nni_annot.training_update(tf=tf)
        """,
    )


def test_mutable_layers_become_assignments_on_the_annotation_lines() -> None:
    check(
        """\
        '''@nni.mutable_layers({layer_choice: [conv(k=3), pool()], fixed_inputs: [x0],
                                optional_inputs: [x1, x2], optional_input_size: [0, 1], layer_output: out})'''
        """,
        f"""\
        {H}; out = _nni_annot.mutable_layer('train/mutable_block_2', 'mutable_layer_0', {{'conv(k=3)': conv, 'pool()': pool}}, {{'conv(k=3)': {{'k': 3}}, 'pool()': {{}}}}, [x0], {{'x1': x1, 'x2': x2}}, [0, 1]
        )
        """,
    )


BLOCKS = {
    "module": ("{a}\nv = 1\nresult = v\n", 0),
    "function": ("def f():\n    {a}\n    v = 1\n    return v\nresult = f()\n", 4),
    "class": ("class C:\n    {a}\n    v = 1\nresult = C.v\n", 4),
    "loop": ("for i in range(2):\n    {a}\n    v = 1\nresult = v\n", 4),
    "while": ("while True:\n    {a}\n    v = 1\n    break\nresult = v\n", 4),
    "if/else": ("if len('') == 1:\n    pass\nelse:\n    {a}\n    v = 1\nresult = v\n", 4),
    "with": ("import contextlib\nwith contextlib.nullcontext():\n    {a}\n    v = 1\nresult = v\n", 4),
    "try": (
        "try:\n    {a}\n    v = 1\nexcept OSError:\n    {a}\n    v = 2\nfinally:\n    {a}\n    v = 1\nresult = v\n",
        4,
    ),
    "nested def in method": (
        "class C:\n    def m(self):\n        {a}\n        v = 1  # keep\n        return v\nresult = C().m()\n",
        8,
    ),
}


@pytest.mark.parametrize("block", list(BLOCKS))
def test_every_block_kind_runs_standalone_like_the_original(block: str) -> None:
    template, _ = BLOCKS[block]
    source = template.format(a="'''@nni.variable(nni.choice(1, 2, 3), name=v)'''")
    result = transform(source)
    assert result.ok, result.diagnostics
    assert result.code != source
    assert result.code.count("\n") == source.count("\n")
    assert list(result.search_space) == ["train/v/choice"]
    original: dict[str, Any] = {}
    rewritten: dict[str, Any] = {}
    exec(compile(source, "orig.py", "exec"), original)
    exec(compile(result.code, "new.py", "exec"), rewritten)
    assert rewritten["result"] == original["result"] == 1


def test_standalone_function_choice_and_mutable_layer_behave_like_the_original() -> None:
    source = textwrap.dedent(
        """\
        def double(x):
            return 2 * x
        def triple(x):
            return 3 * x
        def join(inputs, scale=1):
            fixed, optional = inputs
            return [scale * v for v in fixed + optional]
        x1, x2 = 10, 20
        '''@nni.function_choice(double(4), triple(4), name=op)'''
        y = double(4) + 1
        '''@nni.mutable_layers({layer_choice: [join(scale=2), join()], fixed_inputs: [1],
                                optional_inputs: [x1, x2], optional_input_size: [1, 2], layer_output: out})'''
        """
    )
    result = transform(source)
    namespace: dict[str, Any] = {}
    exec(compile(result.code, "train.py", "exec"), namespace)
    assert namespace["y"] == 9
    assert namespace["out"] == [2, 20]  # first layer choice, fewest optional inputs (1: x1)


def test_a_file_without_annotations_is_its_own_trial_code() -> None:
    source = "def f(): ...\n1\n...\n'a docstring-like string'\nx = b'@nni.variable()'\n"
    result = transform(source)
    assert result.ok and not result.has_annotations
    assert result.code == source and result.search_space == {}


def test_files_nni_crashed_on_are_handled() -> None:
    source = "def f(): ...\n42\nNone\n'''@nni.report_final_result(1)'''\n...\n"
    result = transform(source)
    assert result.ok
    assert result.code.splitlines()[3] == f"{H}; _nni_annot.report_final_result(1)"


def test_an_f_string_or_bytes_is_not_an_annotation() -> None:
    source = "x = 1\nf'''@nni.variable({x})'''\nb'''@nni.variable()'''\n"
    result = transform(source)
    assert not result.has_annotations and result.code == source


def test_crlf_files_keep_their_line_count() -> None:
    source = "a = 1\r\n'''@nni.report_final_result(\r\na)'''\r\nb = 2\r\n"
    result = transform(source)
    assert result.ok
    assert len(result.code.splitlines()) == len(source.splitlines())
    assert result.code.endswith("b = 2\r\n")

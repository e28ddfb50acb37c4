"""Property tests: annotation parsing never crashes; scripts without annotations are left alone."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot.searchspace import SearchSpace
from nniannot.transformer import transform

_PIECES = st.sampled_from(
    [
        "nni.", "variable", "choice", "uniform", "randint", "function_choice", "mutable_layers",
        "report_final_result", "(", ")", "[", "]", "{", "}", ",", "=", "name", ":", "layer_choice",
        "layer_output", "optional_inputs", "optional_input_size", "1", "-2", "0.5", "2**-3", "x",
        "self.h", "f(k=1)", "'s'", " ", "\n", "lambda: 0", "*", "**", ";", "@", "#", "\\",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25), st.sampled_from(["", "x = 1\n", "x += 1\n", "def f(): ...\n"]))
def test_parsing_arbitrary_annotation_text_never_raises(pieces: list[str], after: str) -> None:
    text = "".join(pieces).replace("'''", "")
    source = f"'''@nni.{text}'''\n{after}"
    result = transform(source)
    for d in result.diagnostics:
        assert d.path == "train.py" and d.line >= 1 and d.col >= 1
    if result.ok:
        compile(result.code, "train.py", "exec")
        assert result.code.count("\n") == source.count("\n")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_a_script_without_annotations_is_rewritten_to_itself(text: str) -> None:
    source = text.replace("@nni.", "@nn.")
    result = transform(source)
    assert result.code == source
    assert result.search_space == {}


_NUMBER = st.integers(-50, 50)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_NUMBER, st.sampled_from(["'a'", "True", "None", "[1, 2]", "f(x)"])), min_size=1, max_size=5),
       _NUMBER, st.integers(1, 50))  # fmt: skip
def test_generated_search_space_json_round_trips_through_the_types(
    options: list, low: int, width: int
) -> None:
    opts = ", ".join(str(o) for o in options)
    source = (
        f"'''@nni.variable(nni.choice({opts}), name=a)'''\na = 1\n"
        f"'''@nni.variable(nni.uniform({low}, {low + width}), name=b)'''\nb = 1\n"
        f"'''@nni.variable(nni.randint({low}, {low + width}), name=c)'''\nc = 1\n"
    )
    result = transform(source)
    assert result.ok, result.diagnostics
    data = json.loads(json.dumps(result.search_space))
    assert SearchSpace.from_json(data).to_json() == result.search_space


_HEADS = st.sampled_from(
    [b"", b"# -*- coding: latin-1 -*-\n", b"# coding: ascii\n", b"\xef\xbb\xbf", b"# coding: nope\n"]
)


@settings(max_examples=200, deadline=None)
@given(_HEADS, st.binary(max_size=60), st.binary(max_size=20))
def test_arbitrary_bytes_never_raise_and_every_diagnostic_is_inside_the_file(
    head: bytes, noise: bytes, tail: bytes
) -> None:
    data = head + b"x = '" + noise + b"'\n'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n" + tail
    result = transform(data)
    lines = len(data.splitlines()) + 1
    for d in result.diagnostics:
        assert 1 <= d.line <= lines and d.col >= 1, d.format()


_STRAY_PIECES = st.sampled_from(
    ["'''@nni.report_final_result(1)'''", "f'@nni.variable({x})'", "lambda: ", "[", "]", " for i in y",
     "'''nni.variable(nni.choice(1), name=a)'''", "(", ")", "x = ", "\n", "    ", "def f():\n    ", "# @nni.x\n",
     "b'@nni.get_next_parameter()'", ", "]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_STRAY_PIECES, max_size=20))
def test_look_alike_strings_anywhere_never_raise_and_leave_the_code_alone(pieces: list[str]) -> None:
    source = "".join(pieces)
    result = transform(source)
    if not result.has_annotations:
        assert result.code == source and result.search_space == {}
    for d in result.warnings:
        assert d.line >= 1 and d.col >= 1


# Annotation texts that parse together (as statements or as the items of one tuple) and texts where doing so
# would read them differently from parsing each alone (a comment that would swallow the separator, two lines
# that brackets would join into one call, a trailing comma); texts that differ only in their final `name=`; and
# valid calls with errors, which must be located the same.
_TEXTS = st.sampled_from(
    [
        "variable(nni.choice(1, 2, 3), name=v{i})",
        "variable(nni.uniform(0, 1), name=v{i})",
        "variable(nni.choice(1, 2), name=v{i})  # a comment",
        "variable(nni.choice(1,\n    2), name=v{i})",
        "variable(nni.choice(v{i} := 1, 2), name=v{i})",
        "report_intermediate_result(v0)",
        "report_intermediate_result(v0)\n(v0)",
        "report_intermediate_result(v0); v0",
        "report_intermediate_result(v0),",
        "variable(nni.choice(1, 2), name=v{i}) if v0 else v0",
        " variable(nni.choice(1, 2), name=v{i})",
        "variable(nni.choice(1, 2), name=v{i}) \\",
        "variable(nni.choice(1, 2, name=v{i})",
        "variable(nni.choice(*v0), name=v{i})",
        "function_choice(max(v0, 1), min(v0, 2), name=f{i})",
        "variable(nni.choice(1, 2), name=v{i}, size=3)",
        "variable(nni.uniform(1, 0), name=v{i})",
        "variable(nni.choise(1, 2), name=v{i})",
        "variable(nni.choice(1,\n    nni.uniform(2, 1)), name=v{i})",
        "variable(nni.choice(1, 2), name=w{i})",
        "variable(nni.choice(1, 2), size=3, name=v{i})",
        "variable(nni.choice(1, 2), name =  v{i})",
        "variable(nni.choice(1, 2), name=None)",
        "variable(nni.choice(1, 2), name=v0, name=v{i})",
        "report_final_result(name=v{i})",
        "variable(nni.choice(1, 2, 3), name={i})",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=40), st.integers(1, 8))
def test_annotations_parsed_together_give_what_each_parsed_alone_gives(texts: list[str], chunk: int) -> None:
    from nniannot.transformer import core, parse

    lines = ["v0 = 0"]
    for i, text in enumerate(texts):
        body = text.format(i=i)
        lines.append(f"'''@nni.{body}'''")
        lines.append(f"f{i} = max(v0, 1)" if body.startswith("function_choice") else f"v{i} = 1")
    source = "\n".join(lines) + "\n"

    def alone(sites: list) -> list:
        return [None] * len(sites)

    together = transform(source)
    original = core.parse_all
    try:
        core.parse_all = lambda sites: parse.parse_all(sites, chunk)  # type: ignore[assignment]
        chunked = transform(source)
        core.parse_all = alone  # type: ignore[assignment]
        each = transform(source)
    finally:
        core.parse_all = original
    for result in (together, chunked):
        assert result.code == each.code
        assert json.dumps(result.search_space) == json.dumps(each.search_space)
        assert [d.format() for d in result.diagnostics] == [d.format() for d in each.diagnostics]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_TEXTS, min_size=1, max_size=30),
    st.lists(st.sampled_from(["a", "b_2", "_", "match", "Zeta9"]), min_size=30, max_size=30),
)
def test_each_annotation_tree_parsed_together_is_the_tree_of_its_text_alone(
    texts: list[str], names: list[str]
) -> None:
    """Node for node, positions included (counted from the text's own first line)."""
    import ast
    import copy

    from nniannot.transformer import locate, parse

    bodies = [text.format(i=name) for text, name in zip(texts, names) if not text.endswith("\\")]
    source = "".join(f"'''@nni.{body}'''\nx = 1\n" for body in bodies)
    sites, _ = locate.find(ast.parse(source))
    for body, entry in zip(bodies, parse.parse_all(sites, chunk=4)):
        if entry is None:
            continue
        stmt, base = copy.deepcopy(entry[0]), entry[1]
        ast.increment_lineno(stmt, -base)
        assert ast.dump(stmt, include_attributes=True) == ast.dump(
            ast.parse(f"nni.{body}").body[0], include_attributes=True
        )

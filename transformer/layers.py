"""Parse ``@nni.mutable_layers({...}, {...})``: one dict of bare-word fields per layer."""

from __future__ import annotations

import ast
import difflib

from nniannot.space_rules import layer_size_problem
from nniannot.transformer import render
from nniannot.transformer.context import Context
from nniannot.transformer.records import LAYER_FIELDS, LayerChoice, LayerSpec, MutableLayers


def parse_mutable_layers(ctx: Context, call: ast.Call) -> MutableLayers | None:
    """The record of a mutable block; key ``<module>/mutable_block_<L>``, L the annotation's last line."""
    for kw in call.keywords:
        ctx.error(kw, "`@nni.mutable_layers` takes only layer dicts, no keyword arguments")
    if not call.args:
        ctx.error(
            call,
            "`@nni.mutable_layers` needs at least one layer dict such as "
            "`{layer_choice: [conv(k=3)], layer_output: out}`",
        )
        return None
    key = f"{ctx.module}/mutable_block_{ctx.site.stmt.end_lineno}"
    layers = []
    for index, arg in enumerate(call.args):
        layer = _layer(ctx, arg, f"mutable_layer_{index}")
        if layer is not None:
            layers.append(layer)
    if ctx.failed:
        return None
    for arg, layer in zip(call.args, layers):
        problem = layer_size_problem(layer.size, len(layer.optional_inputs))
        if problem:
            ctx.error(arg, problem)
    return None if ctx.failed else MutableLayers(key, tuple(layers))


def _layer(ctx: Context, node: ast.expr, name: str) -> LayerSpec | None:
    if type(node) is not ast.Dict:
        ctx.error(
            node,
            "each argument of `@nni.mutable_layers` is a dict such as "
            "`{layer_choice: [conv(k=3)], layer_output: out}`",
        )
        return None
    fields: dict[str, ast.expr] = {}
    for key, value in zip(node.keys, node.values):
        if type(key) is not ast.Name:
            shown = "**" if key is None else ast.unparse(key)
            ctx.error(
                key or value,
                f"a mutable layer field is a bare word such as `layer_choice`, but got `{shown}`",
            )
        elif key.id in fields:
            ctx.error(key, f"duplicated field `{key.id}` in a mutable layer")
        elif key.id not in LAYER_FIELDS:
            close = difflib.get_close_matches(key.id, LAYER_FIELDS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            ctx.error(
                key,
                f"unknown mutable layer field `{key.id}`{hint} (the fields are {', '.join(LAYER_FIELDS)})",
            )
        else:
            fields[key.id] = value
    for required in ("layer_choice", "layer_output"):
        if required not in fields:
            ctx.error(node, f"a mutable layer needs `{required}`")
    if "optional_inputs" in fields and "optional_input_size" not in fields:
        ctx.error(node, "`optional_input_size` (an int or [min, max]) is required with `optional_inputs`")
    choices = _choices(ctx, fields.get("layer_choice"))
    fixed = _list(ctx, fields.get("fixed_inputs"), "fixed_inputs")
    optional = _list(ctx, fields.get("optional_inputs"), "optional_inputs")
    size = _size(ctx, fields.get("optional_input_size"))
    output = _output(ctx, fields.get("layer_output"))
    if choices is None or fixed is None or optional is None or size is None or output is None:
        return None
    return LayerSpec(
        name,
        choices,
        tuple(render.code(n) for n in fixed),
        tuple((render.astor_source(n).strip(), render.code(n)) for n in optional),
        size,
        output,
    )


def _choices(ctx: Context, node: ast.expr | None) -> tuple[LayerChoice, ...] | None:
    if node is None:
        return None
    if type(node) is not ast.List or not node.elts:
        ctx.error(node, "`layer_choice` must be a non-empty list of calls such as `[conv(k=3), pool()]`")
        return None
    out = []
    ok = True
    for call in node.elts:
        if type(call) is not ast.Call:
            ctx.error(
                call,
                f"each `layer_choice` entry must be a call such as `conv(k=3)`, "
                f"but got `{ast.unparse(call)}`",
            )
            ok = False
            continue
        for arg in call.args:
            ok = False
            ctx.error(
                arg,
                "a layer call takes keyword arguments only (its inputs are passed by nni-annot); "
                f"write e.g. `{ast.unparse(call.func)}(size=...)`",
            )
        for kw in call.keywords:
            if kw.arg is None:
                ok = False
                ctx.error(kw, "a layer call takes named keyword arguments only, not `**`")
        kwargs = tuple((kw.arg or "", render.code(kw.value, wrap=False)) for kw in call.keywords)
        out.append(LayerChoice(render.astor_source(call).strip(), render.code(call.func), kwargs))
    return tuple(out) if ok else None


def _list(ctx: Context, node: ast.expr | None, name: str) -> list[ast.expr] | None:
    if node is None:
        return []
    if type(node) is not ast.List:
        ctx.error(node, f"`{name}` must be a list such as `[x1, x2]`, but got `{ast.unparse(node)}`")
        return None
    return list(node.elts)


def _size(ctx: Context, node: ast.expr | None) -> int | tuple[int, int] | None:
    if node is None:
        return 0
    if _is_int(node):
        return node.value  # type: ignore[attr-defined, no-any-return]
    if type(node) is ast.List and len(node.elts) == 2 and all(_is_int(e) for e in node.elts):
        return (node.elts[0].value, node.elts[1].value)  # type: ignore[attr-defined]
    ctx.error(node, f"`optional_input_size` must be an int or [min, max], but got `{ast.unparse(node)}`")
    return None


def _is_int(node: ast.expr) -> bool:
    return type(node) is ast.Constant and type(node.value) is int


def _output(ctx: Context, node: ast.expr | None) -> str | None:
    if node is None:
        return None
    if type(node) is not ast.Name:
        ctx.error(
            node, f"`layer_output` must be a bare variable name such as `out`, but got `{ast.unparse(node)}`"
        )
        return None
    return node.id

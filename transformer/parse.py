"""Parse the text of one annotation into a typed record, collecting every error it has.

The text after ``@`` is parsed with stdlib ``ast``; positions inside it are mapped back to the file so that
each diagnostic points at the offending part. Parsing never raises: problems become diagnostics.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from collections.abc import Iterator

from nniannot.errors import Diagnostic
from nniannot.transformer import render
from nniannot.transformer.context import Context
from nniannot.transformer.layers import parse_mutable_layers
from nniannot.transformer.locate import Site
from nniannot.transformer.records import (
    ANNOTATIONS,
    Annotation,
    Call,
    Candidate,
    FunctionChoice,
    Record,
    Variable,
)
from nniannot.transformer.samplers import SamplerParser
from nniannot.transformer.source import Source

_NAME = re.compile(r"nni\.(\w*)")
# What a function-choice candidate may be: a call, or an expression that can name a function. A literal
# (`1`, `"relu"`) or arithmetic is never one, so such a candidate is a mistake, not a choice.
_FUNCTION_LIKE = (ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Lambda)


def parse_all(sites: list[Site], chunk: int = 256) -> Iterator[tuple[ast.stmt, int] | None]:
    """The statement of each site's annotation text and its line base, parsed a chunk of texts at a time.

    One parse of many texts costs a third of one parse per text; chunks keep the parser's working memory
    small (one parse of 60,000 texts took more memory than the rest of the analysis, and longer than
    parsing them 256 at a time).
    A chunk's entries are used only when they provably equal what parsing each text alone gives: every
    text is exactly one statement, starting on the text's own first line and ending within its own
    lines. Otherwise (any error, ``;``, an unclosed bracket, a ``\r`` that counts lines differently) every
    entry of that chunk is None and each of its sites is parsed alone, with its exact error. Entries are
    yielded in site order, and a chunk is parsed only when its first entry is asked for.

    Texts that differ only in the identifier they end with, ``name=<identifier>)``, are parsed once: the
    others get the first one's tree with a name node of their own (see :class:`_Named`).
    """
    named: dict[str, _Named | None] = {}
    for begin in range(0, len(sites), chunk):
        texts = [site.text[site.text.index("@") + 1 :] for site in sites[begin : begin + chunk]]
        out = [_named_call(text, named) for text in texts]
        rest = [i for i, entry in enumerate(out) if entry is None]
        if rest:
            for i, entry in zip(rest, _parse_chunk([texts[i] for i in rest])):
                out[i] = entry
        yield from out


# One line ending in `name=<identifier>)`; what comes before the identifier is the prefix.
_ENDS_NAMED = re.compile(r"([^\n]*\bname\s*=\s*)([A-Za-z_][A-Za-z0-9_]*)\)\Z")


class _Named:
    """The tree of a one-line call ending in ``name=<identifier>)``, for every identifier at once.

    The tokens of ``prefix + identifier + ")"`` are the same for every identifier that is not a keyword
    but for the name token itself, so the trees are the same but for the name node and the end of the
    nodes around it. The prefix's own nodes are shared (nothing changes a tree once parsed).
    """

    def __init__(self, call: ast.Call, prefix: str) -> None:
        self.func = call.func
        self.args = call.args
        self.keywords = call.keywords[:-1]
        self.keyword_col = call.keywords[-1].col_offset
        self.col = len(prefix)

    def tree(self, identifier: str) -> ast.Expr:
        end = self.col + len(identifier)
        place = {"lineno": 1, "end_lineno": 1}
        name = ast.Name(identifier, ast.Load(), col_offset=self.col, end_col_offset=end, **place)
        given = ast.keyword("name", name, col_offset=self.keyword_col, end_col_offset=end, **place)
        call = ast.Call(
            self.func, self.args, [*self.keywords, given], col_offset=0, end_col_offset=end + 1, **place
        )
        return ast.Expr(call, col_offset=0, end_col_offset=end + 1, **place)


def _named_call(text: str, named: dict[str, _Named | None]) -> tuple[ast.stmt, int] | None:
    """The statement of an annotation text (after its ``@``) from the tree of an earlier text with the
    same prefix, or None."""
    match = _ENDS_NAMED.match(text)
    if match is None or not text.isascii() or keyword.iskeyword(match.group(2)):
        return None
    prefix, identifier = match.groups()
    if prefix in named:
        found = named[prefix]
        return None if found is None else (found.tree(identifier), 0)
    stmt = _alone(text, prefix, identifier)
    if stmt is None or type(stmt.value) is not ast.Call:
        named[prefix] = None
        return None
    named[prefix] = _Named(stmt.value, prefix)
    return stmt, 0


def _alone(text: str, prefix: str, identifier: str) -> ast.Expr | None:
    """The text parsed alone, if it is the one call on one line that ends ``name=<identifier>)``."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(body) != 1 or type(body[0]) is not ast.Expr or type(body[0].value) is not ast.Call:
        return None
    call = body[0].value
    last = call.keywords[-1] if call.keywords else None
    if (
        last is None
        or last.arg != "name"
        or type(last.value) is not ast.Name
        or last.value.id != identifier
        or (last.value.lineno, last.value.col_offset) != (1, len(prefix))
        or (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset) != (1, 0, 1, len(text))
    ):
        return None
    return body[0]


def _parse_chunk(texts: list[str]) -> list[tuple[ast.stmt, int] | None]:
    if len(texts) < 2 or any("\r" in text or "\0" in text for text in texts):
        return [None] * len(texts)
    if not any("\n" in text for text in texts):
        calls = _parse_one_line_calls(texts)
        if calls is not None:
            return calls
    return _parse_statements(texts)


def _parse_one_line_calls(texts: list[str]) -> list[tuple[ast.stmt, int] | None] | None:
    """One-line texts parsed as the items of one tuple, which the parser reads faster than statements.

    Used only when every item is a call that starts at the start of its own text's line and ends on
    it: then the text alone is that one call too. A newline would not separate statements inside the
    brackets (``f(x)`` over ``(y)`` would read as one call), hence one-line texts only. None otherwise.
    """
    try:
        tree = ast.parse("(\n" + ",\n".join(texts) + ",\n)", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if type(tree) is not ast.Tuple or len(tree.elts) != len(texts):
        return None
    out: list[tuple[ast.stmt, int] | None] = []
    for line, item in enumerate(tree.elts, start=2):
        if (
            type(item) is not ast.Call
            or item.lineno != line
            or item.col_offset != 0
            or item.end_lineno != line
        ):
            return None
        stmt = ast.Expr(item, lineno=line, col_offset=0, end_lineno=line, end_col_offset=item.end_col_offset)
        out.append((stmt, line - 1))
    return out


def _parse_statements(texts: list[str]) -> list[tuple[ast.stmt, int] | None]:
    alone: list[tuple[ast.stmt, int] | None] = [None] * len(texts)
    try:
        body = ast.parse("\n".join(texts)).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return alone
    if len(body) != len(texts):
        return alone
    out: list[tuple[ast.stmt, int] | None] = []
    first = 1
    for text, stmt in zip(texts, body):
        after = first + text.count("\n") + 1
        if stmt.lineno != first or stmt.col_offset != 0 or not first <= stmt.end_lineno < after:  # type: ignore[operator]
            return alone
        out.append((stmt, first - 1))
        first = after
    return out


def parse_site(
    source: Source,
    site: Site,
    module: str,
    diagnostics: list[Diagnostic],
    parsed: tuple[ast.stmt, int] | None = None,
) -> Annotation:
    """Parse one annotation site; errors go to ``diagnostics`` and leave ``record`` None.

    ``parsed`` is the site's entry of :func:`parse_all`, when the sites were parsed together.
    """
    ctx = Context(source, site, module, diagnostics)
    call_loc = ctx.later_at(1, 0)
    annotation = Annotation(site.stmt, "", call_loc, site.target)
    call = _call(ctx, parsed)
    if call is None:
        return annotation
    annotation.kind = call.func.attr  # type: ignore[attr-defined]
    record = _PARSERS[annotation.kind](ctx, call)
    annotation.record = None if ctx.failed else record
    return annotation


def _call(ctx: Context, parsed: tuple[ast.stmt, int] | None = None) -> ast.Call | None:
    # The name first: an unknown annotation is reported as such even when its arguments do not parse.
    named = _NAME.match(ctx.expr_text)
    if named is not None and named.group(1) not in ANNOTATIONS:
        ctx.error(ctx.loc_at(1, 0), _unknown_message(named.group(0), named.group(1)))
        return None
    if parsed is not None:
        tree = ast.Module([parsed[0]], [])
        ctx.line_base = parsed[1]
    else:
        try:
            tree = ast.parse(ctx.expr_text)
        except SyntaxError as exc:
            ctx.error(
                ctx.loc_at(exc.lineno or 1, max((exc.offset or 1) - 1, 0)),
                f"annotation is not valid Python: {exc.msg}",
            )
            return None
    if not tree.body:
        ctx.error(ctx.loc_at(1, 0), "empty annotation: write `@nni.<annotation>(...)`")
        return None
    if len(tree.body) > 1:
        ctx.error(
            tree.body[1],
            f"an annotation holds exactly one call, but this one has {len(tree.body)} statements",
        )
        return None
    stmt = tree.body[0]
    if type(stmt) is not ast.Expr:
        ctx.error(stmt, "an annotation is one call such as `@nni.variable(...)`, not a statement")
        return None
    call = stmt.value
    if type(call) is not ast.Call:
        ctx.error(call, f"an annotation must be a call, but `@{ast.unparse(call)}` is not one")
        return None
    func = call.func
    name = func.attr if type(func) is ast.Attribute else ""
    nni_func = type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "nni"
    if not nni_func or name not in ANNOTATIONS:
        ctx.error(call, _unknown_message(ast.unparse(func), name))
        return None
    return call


def _unknown_message(written: str, name: str) -> str:
    close = difflib.get_close_matches(name, ANNOTATIONS, n=1) if name else []
    hint = f"; did you mean `@nni.{close[0]}`?" if close else ""
    known = ", ".join(f"@nni.{a}" for a in ANNOTATIONS)
    return f"unknown annotation `@{written}`{hint} (the annotations are {known})"


def _name_keyword(ctx: Context, call: ast.Call, what: str) -> ast.expr | None:
    """The ``name=`` argument; reports other keywords and a missing name."""
    name = None
    for kw in call.keywords:
        if kw.arg == "name" and name is None:
            name = kw.value
        elif kw.arg == "name":
            ctx.error(kw, f"`@nni.{what}` has `name=` twice")
        else:
            shown = f"{kw.arg}=" if kw.arg else "**"
            ctx.error(kw, f"`@nni.{what}` takes no keyword other than `name`, but got `{shown}`")
    if name is None and not any(kw.arg == "name" for kw in call.keywords):
        example = "name=lr" if what == "variable" else "name=activation"
        ctx.error(call, f"`@nni.{what}` needs a `name=` argument, e.g. `{example}`")
    return name


def _variable(ctx: Context, call: ast.Call) -> Record | None:
    name_node = _name_keyword(ctx, call, "variable")
    if len(call.args) != 1:
        where = call.args[1] if len(call.args) > 1 else call
        ctx.error(
            where,
            "`@nni.variable` takes exactly one sampler call such as `nni.choice(1, 2)` "
            f"(and `name=`), but got {len(call.args)} positional arguments",
        )
        return None
    if name_node is None:
        return None
    name = render.name_text(name_node)
    sampler = SamplerParser(ctx).top(call.args[0], name)
    return None if sampler is None else Variable(name, name_node, sampler)


def _function_choice(ctx: Context, call: ast.Call) -> Record | None:
    name_node = _name_keyword(ctx, call, "function_choice")
    if not call.args:
        ctx.error(call, "`@nni.function_choice` needs one or more candidate calls, e.g. `relu(x), tanh(x)`")
        return None
    for arg in call.args:
        if type(arg) not in _FUNCTION_LIKE:
            ctx.error(
                arg,
                "each candidate of `@nni.function_choice` is a function call such as `relu(x)` or a "
                f"function such as `math.tanh`, but got `{ast.unparse(arg)}`",
            )
    if ctx.failed:
        return None
    if name_node is None:
        return None
    name = render.name_text(name_node)
    candidates = tuple(_candidate(ctx, arg) for arg in call.args)
    return FunctionChoice(name, f"{ctx.module}/{name}/function_choice", candidates)


def _candidate(ctx: Context, arg: ast.expr) -> Candidate:
    text = ctx.text_of(arg)
    key = ("candidate", text) if text is not None else None
    found = ctx.source.rendered.get(key) if key is not None else None
    if found is None:
        found = Candidate(render.label_of(arg, '\n"'), render.code(arg), ast.dump(arg))
        if key is not None:
            ctx.source.rendered[key] = found
    return found  # type: ignore[no-any-return]


def _report(ctx: Context, call: ast.Call) -> Record | None:
    what = call.func.attr  # type: ignore[attr-defined]
    for kw in call.keywords:
        ctx.error(kw, f"`@nni.{what}` takes no keyword arguments; pass the metric alone")
    if len(call.args) != 1:
        ctx.error(
            call,
            f"`@nni.{what}` takes exactly one metric (a number or a dict with a 'default' entry), "
            f"but got {len(call.args)} arguments",
        )
        return None
    return Call(what, (render.code(call.args[0], wrap=False),))


def _get_next_parameter(ctx: Context, call: ast.Call) -> Record | None:
    if call.args or call.keywords:
        ctx.error(call, "`@nni.get_next_parameter()` takes no arguments")
        return None
    return Call("get_next_parameter")


def _training_update(ctx: Context, call: ast.Call) -> Record | None:
    """The one-shot hook: its arguments go to the runtime as written (``loss=``, ``lr=``; NNI's ``tf=``)."""
    for kw in call.keywords:
        if kw.arg is None:
            ctx.error(
                kw, "`@nni.training_update` takes named keyword arguments such as `loss=loss`, not `**`"
            )
    if ctx.failed:
        return None
    args = [render.code(a, wrap=False) for a in call.args]
    args += [f"{kw.arg}={render.code(kw.value, wrap=False)}" for kw in call.keywords]
    return Call("training_update", tuple(args))


def _mutable_layers(ctx: Context, call: ast.Call) -> Record | None:
    return parse_mutable_layers(ctx, call)


_PARSERS = {
    "variable": _variable,
    "function_choice": _function_choice,
    "report_intermediate_result": _report,
    "report_final_result": _report,
    "get_next_parameter": _get_next_parameter,
    "mutable_layers": _mutable_layers,
    "training_update": _training_update,
}

"""Parse ``nni.<sampler>(...)`` calls: arity, number literals, bounds, nested samplers in choices."""

from __future__ import annotations

import ast
import difflib
from functools import lru_cache

from nniannot.space_rules import bounds_problem
from nniannot.transformer import render
from nniannot.transformer.context import Context
from nniannot.transformer.records import NUMERIC_SAMPLERS, SAMPLERS, Option, Place, Sampler

_LEAVES = (ast.Constant, ast.Name)  # options that cannot hold a call


def sampler_kind(node: ast.AST) -> str | None:
    """``"uniform"`` for ``nni.uniform(...)``; None if ``node`` is no ``nni.<sampler>`` call."""
    if type(node) is not ast.Call or type(node.func) is not ast.Attribute:
        return None
    func = node.func
    if type(func.value) is ast.Name and func.value.id == "nni" and func.attr in SAMPLERS:
        return func.attr
    return None


class SamplerParser:
    """Parses the sampler of one ``@nni.variable`` (and the samplers nested in its choice options)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def top(self, node: ast.expr, name: str) -> Sampler | None:
        kind = sampler_kind(node)
        if kind is None:
            self._not_a_sampler(node)
            return None
        return self._sampler(node, kind, name)  # type: ignore[arg-type]

    def _not_a_sampler(self, node: ast.expr) -> None:
        func = node.func if type(node) is ast.Call else None
        if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "nni":
            close = difflib.get_close_matches(func.attr, SAMPLERS, n=1)
            hint = f"; did you mean `nni.{close[0]}`?" if close else ""
            self.ctx.error(
                node,
                f"unknown sampler `nni.{func.attr}`{hint} (the samplers are {', '.join(SAMPLERS)})",
            )
            return
        self.ctx.error(
            node,
            f"the value of `@nni.variable` must be a sampler call such as `nni.choice(...)` or "
            f"`nni.uniform(...)`, but got `{ast.unparse(node)}`",
        )

    def _sampler(self, node: ast.Call, kind: str, name: str | None) -> Sampler | None:
        loc = self.ctx.later(node) if name is not None else self.ctx.loc(node)
        key = f"{self.ctx.module}/{name if name is not None else f'__line{loc.line}'}/{kind}"
        for kw in node.keywords:
            shown = f"{kw.arg}=" if kw.arg else "**"
            self.ctx.error(
                kw,
                f"`nni.{kind}` takes no keyword arguments, but got `{shown}`"
                + ("; the name goes on `@nni.variable(..., name=...)`" if kw.arg == "name" else ""),
            )
        if kind == "choice":
            return self._choice(node, key, loc, name is not None)
        return self._numeric(node, kind, key, loc, name is not None)

    def _choice(self, node: ast.Call, key: str, loc: Place, named: bool) -> Sampler | None:
        if not node.args:
            self.ctx.error(node, "`nni.choice` needs at least one option")
            return None
        # Options without samplers render the same wherever their text is the same (`nni.choice(1, 2, 3)`
        # in thousands of annotations); options with samplers hold keys and errors of their own.
        text = self.ctx.text_of(node)
        cache = self.ctx.source.rendered
        rendered = cache.get(("choice", text)) if text is not None else None
        if rendered is None:
            rendered = self._options(node)
            if rendered is None:
                return None
            if text is not None and not any(o.nested is not None for o in rendered):
                cache[("choice", text)] = rendered
        return Sampler("choice", key, loc, named, options=rendered)  # type: ignore[arg-type]

    def _options(self, node: ast.Call) -> tuple[Option, ...] | None:
        options = []
        for arg in node.args:
            kind = sampler_kind(arg)
            if kind is None:
                if self._holds_a_sampler(arg):
                    continue
                options.append(Option(render.label_of(arg, '\n"'), render.code(arg)))
                continue
            nested = self._sampler(arg, kind, None)  # type: ignore[arg-type]
            if nested is not None:
                options.append(Option(render.label_of(arg, '\n"'), trial_expr(nested), nested))
        if len(options) != len(node.args):
            return None
        return tuple(options)

    def _holds_a_sampler(self, option: ast.expr) -> bool:
        """Report a sampler call buried inside an option: the trial could not evaluate it (no ``nni``)."""
        if type(option) in _LEAVES:
            return False
        inner = next((n for n in ast.walk(option) if sampler_kind(n) is not None), None)
        if inner is None:
            return False
        shown = ast.unparse(inner)
        self.ctx.error(
            inner,
            f"`{shown}` is inside an option of `nni.choice`, where nothing samples it: only an option "
            f"that is itself a sampler call becomes a parameter. Make it an option of its own "
            f"(`nni.choice(..., {shown})`) or give it its own `@nni.variable`; nested choices "
            '(`{"_name": ...}` options) are not written in annotations',
        )
        return True

    def _numeric(self, node: ast.Call, kind: str, key: str, loc: Place, named: bool) -> Sampler | None:
        names = NUMERIC_SAMPLERS[kind]
        if len(node.args) != len(names):
            self.ctx.error(
                node,
                f"`nni.{kind}` takes {len(names)} arguments ({', '.join(names)}), but got {len(node.args)}",
            )
            return None
        numbers = []
        for arg in node.args:
            try:
                numbers.append(render.number(arg))
            except render.NotANumber as exc:
                reason = f" ({exc.reason})" if exc.reason else ""
                self.ctx.error(
                    exc.node,
                    f"`nni.{kind}` arguments must be number literals such as `0.1`, `-3` or `2**-10`, "
                    f"but got `{ast.unparse(exc.node)}`{reason}",
                )
        if len(numbers) != len(names):
            return None
        problem = bounds_problem(kind, numbers)
        if problem:
            self.ctx.error(node, f"`nni.{kind}`: {problem}")
            return None
        return Sampler(kind, key, loc, named, numbers=tuple(numbers))  # type: ignore[arg-type]


def trial_expr(sampler: Sampler) -> str:
    """The single-line trial expression that reads a sampler's value from the trial's parameters."""
    key = render.literal(sampler.key)
    if sampler.kind != "choice":
        return f"_nni_annot.{sampler.kind}({key})"
    if any(o.nested is not None for o in sampler.options):
        return choice_chain("choice", key, [(o.label, o.code) for o in sampler.options])
    return key.join(_chain_around_key(sampler.options))


@lru_cache(maxsize=1024)
def _chain_around_key(options: tuple[Option, ...]) -> list[str]:
    """The choice chain of these options cut where its key goes (a NUL, which no source text holds)."""
    return choice_chain("choice", "\0", [(o.label, o.code) for o in options]).split("\0")


def choice_chain(function: str, key: str, options: list[tuple[object, str]]) -> str:
    """``a if chosen(key, la) else b if chosen(key, lb) else no_choice(key, ...)``, evaluated lazily."""
    parts = [
        f"{code} if _nni_annot.{function}({key}, {render.literal(label)}) else" for label, code in options
    ]
    labels = ", ".join(render.literal(label) for label, _ in options)
    return f"({' '.join(parts)} _nni_annot.no_choice({key}, ({labels},)))"

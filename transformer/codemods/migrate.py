"""``nni-annot migrate``: an NNI plain-API script turned into an annotated one, formatting and comments kept.

What is converted:

* ``params = <expr with nni.get_next_parameter()>`` (one such call, in a plain assignment): before it, one
  ``'''@nni.variable(<sampler>, name=<var>)'''`` annotation and ``<var> = <default>`` per key of the search
  space, and the call becomes the dict ``{"<key>": <var>, ...}``. Every later use of ``params``
  (``params["lr"]``, ``params.get("lr", 0.1)``, ``params`` passed whole) therefore reads the tuned values.
  ``<var>`` is the key when it is a free identifier, else the key made one (``param_<key>``, ``_`` for other
  characters, a number if still taken): ss_gen's key for it is ``<module>/<var>/<sampler>``.
* ``nni.report_intermediate_result(x)`` and ``nni.report_final_result(x)`` statements become the
  annotations ``'''@nni.report_intermediate_result(x)'''`` and ``'''@nni.report_final_result(x)'''``.
* ``import nni`` is dropped when nothing else uses ``nni``, so the result runs under plain python.

A default is the literal of a ``params.get("key", <literal>)`` if the script has one, else a value of the
space: a choice's first option, ``randint``'s lower bound, a ``*uniform``'s low bound, a ``*normal``'s mu
(``exp(mu)`` for ``lognormal``). Anything that cannot be converted safely stays as it was and is listed
(``file:line: why``): ``import nni as x``, ``from nni import ...``, a second call of
``nni.get_next_parameter()`` or one outside a plain assignment, a report that is not a statement of its own,
nested or list-valued choices, and any other use of ``nni``.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from nniannot.errors import MigrationError
from nniannot.transformer.codemods.texts import code

_REPORTS = ("report_intermediate_result", "report_final_result")
_NUMERIC = {
    "randint": 2, "uniform": 2, "quniform": 3, "loguniform": 2, "qloguniform": 3,
    "normal": 2, "qnormal": 3, "lognormal": 2, "qlognormal": 3,
}  # fmt: skip


@dataclass
class Migrated:
    """The annotated code, what could not be converted (``file:line: why``) and each key's variable."""

    code: str
    skipped: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _nni_attr(node: cst.BaseExpression) -> str | None:
    """``X`` for ``nni.X``, else None."""
    if m.matches(node, m.Attribute(value=m.Name("nni"), attr=m.Name())):
        assert isinstance(node, cst.Attribute)
        return node.attr.value
    return None


def _literal(value: Any) -> str | None:
    """Python source for a JSON scalar, or None for lists, dicts and non-finite numbers."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else None
    return None


def _sampler(key: str, spec: Any) -> tuple[str, str] | str:
    """(sampler source, default source) for one key of the space, or why it cannot be an annotation."""
    if not isinstance(spec, Mapping) or "_type" not in spec or "_value" not in spec:
        return "not a {_type, _value} entry"
    kind, value = spec["_type"], spec["_value"]
    if not isinstance(value, list) or not value:
        return "its _value is not a non-empty list"
    if kind == "choice":
        options = [_literal(v) for v in value]
        if any(o is None for o in options):
            return "a choice with nested, list or dict options has no annotation form"
        return f"nni.choice({', '.join(options)})", options[0]  # type: ignore[arg-type,return-value]
    if kind not in _NUMERIC:
        return f"the _type {kind!r} has no annotation form"
    numbers = [_literal(v) for v in value]
    if len(value) != _NUMERIC[kind] or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) or n is None for v, n in zip(value, numbers)
    ):
        return f"{kind} takes {_NUMERIC[kind]} numbers"
    default = numbers[0]
    if kind == "lognormal":
        default = repr(math.exp(value[0]))
    return f"nni.{kind}({', '.join(numbers)})", default  # type: ignore[arg-type,return-value]


class _Scan(cst.CSTVisitor):
    """Where ``nni`` is imported and used, which names are taken, and the literal ``.get`` defaults."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: list[cst.Call] = []
        self.lines: dict[cst.CSTNode, int] = {}
        self.imports: list[cst.Import] = []
        self.problems: list[tuple[int, str]] = []
        self.gets: list[cst.Call] = []

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if code(alias.name) == "nni" or code(alias.name).startswith("nni."):
                if alias.asname is not None or code(alias.name) != "nni":
                    self.problems.append(
                        (self._line(node), f"`import {code(alias)}`: only `import nni` is converted")
                    )
                else:
                    self.imports.append(node)
                    self.lines[node] = self._line(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and code(node.module).split(".")[0] == "nni":
            self.problems.append(
                (self._line(node), f"`from {code(node.module)} import ...` is left as it was")
            )

    def visit_Call(self, node: cst.Call) -> None:
        if _nni_attr(node.func) == "get_next_parameter":
            self.calls.append(node)
            self.lines[node] = self._line(node)
        if m.matches(node.func, m.Attribute(attr=m.Name("get"))) and len(node.args) == 2:
            self.gets.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if _nni_attr(node) is not None:
            self.lines[node] = self._line(node)


class _Rewrite(cst.CSTTransformer):
    def __init__(self, scan: _Scan, call: cst.Call | None, statement: cst.CSTNode | None,
                 inserted: list[cst.BaseStatement], mapping: cst.BaseExpression | None) -> None:  # fmt: skip
        self.scan, self.call, self.statement = scan, call, statement
        self.inserted, self.mapping = inserted, mapping
        self.converted: set[cst.CSTNode] = set()

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original is self.call and self.mapping is not None:
            self.converted.add(original.func)
            return self.mapping
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Any:
        if len(original.body) == 1 and m.matches(original.body[0], m.Expr(value=m.Call())):
            call = original.body[0].value  # type: ignore[attr-defined]
            if _nni_attr(call.func) in _REPORTS and len(call.args) == 1 and call.args[0].keyword is None:
                text = code(call.args[0].value)
                quote = "'''" if "'''" not in text else '"""'
                if (
                    quote not in text
                    and "\\" not in text
                    and "\n" not in text
                    and not text.endswith(quote[0])
                ):
                    self.converted.add(call.func)
                    annotation = cst.SimpleString(f"{quote}@nni.{_nni_attr(call.func)}({text}){quote}")
                    return updated.with_changes(body=[cst.Expr(annotation)])
        if original is self.statement:
            first = self.inserted[0].with_changes(leading_lines=updated.leading_lines)  # type: ignore[attr-defined]
            return cst.FlattenSentinel([first, *self.inserted[1:], updated.with_changes(leading_lines=())])
        return updated


def _free_name(key: str, taken: set[str]) -> str:
    base = key if key.isidentifier() and not keyword.iskeyword(key) and key not in taken else None
    if base is None:
        base = "param_" + re.sub(r"\W", "_", key)
        candidate, n = base, 2
        while candidate in taken or keyword.iskeyword(candidate):
            candidate, n = f"{base}_{n}", n + 1
        base = candidate
    taken.add(base)
    return base


def _find_statement(module: cst.Module, call: cst.Call) -> cst.SimpleStatementLine | None:
    """The statement line ``name = <expr containing call>`` (one target, a bare name), or None."""
    for line in m.findall(module, m.SimpleStatementLine()):
        assert isinstance(line, cst.SimpleStatementLine)
        if len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
            continue
        assign = line.body[0]
        if m.findall(assign.value, m.Call()) and any(c is call for c in m.findall(assign.value, m.Call())):
            single = len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)
            return line if single else None
    return None


def migrate_source(source: str, search_space: Mapping[str, Any], path: str) -> Migrated:
    """Convert one NNI plain-API script (text in, text out; nothing is read or written).

    Raises:
        MigrationError: ``source`` is not Python (located at ``path:line:col``).
    """
    try:
        parsed = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise MigrationError(
            f"{path}:{exc.raw_line}:{exc.raw_column + 1}: not valid Python: {exc.message}; nothing written"
        ) from None
    wrapper = MetadataWrapper(parsed)
    module = wrapper.module
    scan = _Scan()
    wrapper.visit(scan)
    skipped = list(scan.problems)
    names: dict[str, str] = {}
    call = statement = mapping = None
    inserted: list[cst.BaseStatement] = []
    if scan.calls:
        call = scan.calls[0]
        for extra in scan.calls[1:]:
            skipped.append((scan.lines[extra], "a second nni.get_next_parameter() is left as it was"))
        statement = _find_statement(module, call)
        specs = {key: _sampler(key, spec) for key, spec in search_space.items()}
        bad = {k: v for k, v in specs.items() if isinstance(v, str)}
        if statement is None:
            skipped.append((scan.lines[call], "nni.get_next_parameter() outside a `name = ...` assignment is left as it was"))  # fmt: skip
            call = None
        elif bad:
            for key, why in bad.items():
                skipped.append((scan.lines[call], f"search-space key {key!r}: {why}; the parameters are left as they were"))  # fmt: skip
            call = statement = None
        else:
            params_var = statement.body[0].targets[0].target.value  # type: ignore[attr-defined]
            defaults = _get_defaults(scan.gets, params_var)
            taken = set(scan.names)
            entries = []
            for key, made in specs.items():
                sampler, default = made  # type: ignore[misc,str-unpack]
                var = names[key] = _free_name(key, taken)
                inserted.append(cst.parse_statement(f"'''@nni.variable({sampler}, name={var})'''\n"))
                inserted.append(cst.parse_statement(f"{var} = {defaults.get(key, default)}\n"))
                entries.append(f"{key!r}: {var}")
            mapping = cst.parse_expression("{" + ", ".join(entries) + "}")
    elif search_space:
        skipped.append((1, "no nni.get_next_parameter() call: the search space is not used"))
    rewrite = _Rewrite(scan, call, statement, inserted, mapping)
    result = module.visit(rewrite)
    reported = {c.func for c in scan.calls} if call is None or len(scan.calls) > 1 else set()
    remaining = [n for n in scan.lines if isinstance(n, cst.Attribute) and n not in rewrite.converted]
    remaining_listed = [n for n in remaining if n not in reported]
    for node in sorted(remaining_listed, key=lambda n: scan.lines[n]):
        skipped.append((scan.lines[node], f"`{code(node)}` has no annotation form and is left as it was"))
    if not remaining:
        result = result.visit(_DropImport())
    elif scan.imports:
        skipped.append((scan.lines[scan.imports[0]], "`import nni` is kept for the uses listed; plain python needs the nni package"))  # fmt: skip
    lines = [f"{path}:{line}: {why}" for line, why in sorted(skipped, key=lambda s: s[0])]
    return Migrated(result.code, lines, names)


def _get_defaults(gets: Sequence[cst.Call], params_var: str) -> dict[str, str]:
    """``{key: literal source}`` from ``params.get("key", <literal>)`` calls (the first one of each key)."""
    found: dict[str, str] = {}
    for call in gets:
        func = call.func
        if not (isinstance(func, cst.Attribute) and m.matches(func.value, m.Name(params_var))):
            continue
        key_node, default_node = call.args[0].value, call.args[1].value
        try:
            key = ast.literal_eval(code(key_node))
            ast.literal_eval(code(default_node))
        except (ValueError, SyntaxError):
            continue
        if isinstance(key, str):
            found.setdefault(key, code(default_node))
    return found


class _DropImport(cst.CSTTransformer):
    """Remove ``nni`` from ``import`` statements (the whole statement when it imported only ``nni``)."""

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> Any:
        kept = [a for a in updated.names if code(a.name) != "nni" or a.asname is not None]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)


__all__ = ["Migrated", "migrate_source"]

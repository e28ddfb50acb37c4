"""Check the statement an annotation applies to, and find what in it gets rewritten."""

from __future__ import annotations

import ast

from nniannot.transformer.locate import is_annotation
from nniannot.transformer.records import Annotation, FunctionChoice, Variable
from nniannot.transformer.source import Source

APPLIES_TO_NEXT = ("variable", "function_choice")


def check_target(source: Source, annotation: Annotation) -> tuple[str | None, list[ast.expr]]:
    """An error message (or None) and, for a function choice, the matching expressions to replace."""
    target = annotation.target
    what = f"`@nni.{annotation.kind}`"
    if target is None:
        return (
            f"annotation has no statement to annotate: {what} applies to the next statement of its own "
            "block, and it is the last one there",
            [],
        )
    if is_annotation(target):
        return f"{what} annotates another annotation (line {target.lineno}); it must precede a statement", []
    record = annotation.record
    if isinstance(record, Variable):
        return _check_assignment(source, record, target), []
    if isinstance(record, FunctionChoice):
        matches = find_candidates(target, {c.dump for c in record.candidates})
        if not matches:
            shown = ", ".join(str(c.label) for c in record.candidates)
            return (
                f"none of the candidates of `@nni.function_choice` ({shown}) occurs in the next statement "
                f"`{statement_text(source, target)}`",
                [],
            )
        return None, matches
    return None, []


def _check_assignment(source: Source, record: Variable, target: ast.stmt) -> str | None:
    kind = type(target)
    if kind is ast.Assign and len(target.targets) == 1:  # type: ignore[attr-defined]
        left = target.targets[0]  # type: ignore[attr-defined]
        name = record.name_node
        if type(left) is ast.Name and type(name) is ast.Name and left.id == name.id:
            return None  # the common case, decided without rendering anything
    shown = statement_text(source, target)
    want = f"write `{record.name} = ...` right after the annotation"
    if kind is ast.AugAssign:
        return f"`@nni.variable` must annotate a plain assignment, but `{shown}` is an augmented assignment; {want}"
    if kind is ast.AnnAssign:
        return (
            f"`@nni.variable` must annotate a plain assignment, but `{shown}` has a type annotation; {want} "
            "(declare the type on an earlier line)"
        )
    if kind is not ast.Assign:
        return f"`@nni.variable` must annotate an assignment to `{record.name}`, but the next statement is `{shown}`"
    if len(target.targets) != 1:  # type: ignore[attr-defined]
        return (
            f"`@nni.variable` must annotate a single-target assignment, but `{shown}` assigns several targets"
        )
    left = target.targets[0]  # type: ignore[attr-defined]
    if type(left) in (ast.Tuple, ast.List, ast.Starred):
        return (
            f"`@nni.variable` must annotate an assignment to one variable, but `{shown}` unpacks a sequence"
        )
    if ast.unparse(left) != ast.unparse(record.name_node):
        return (
            f"@nni.variable annotates `{shown}` but its name is `{record.name}` "
            f"(use `name={ast.unparse(left)}`, or annotate the assignment to `{record.name}`)"
        )
    return None


def find_candidates(stmt: ast.stmt, dumps: set[str]) -> list[ast.expr]:
    """Expressions of ``stmt`` structurally equal to a candidate; outermost only."""
    found: list[ast.expr] = []
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr) and ast.dump(node) in dumps:
            found.append(node)
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def statement_text(source: Source, stmt: ast.stmt, limit: int = 60) -> str:
    """The first line of a statement, shortened for messages."""
    text = source.segment(*source.node_span(stmt))
    first = text.splitlines()[0] if text else ""
    if len(first) > limit:
        return first[: limit - 3] + "..."
    return first + (" ..." if "\n" in text.strip() else "")

"""``transform``: annotated source text in, search space + trial code + diagnostics out."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from nniannot.errors import Diagnostic
from nniannot.transformer import locate
from nniannot.transformer.context import Context
from nniannot.transformer.parse import parse_all, parse_site
from nniannot.transformer.records import Annotation, MutableLayers
from nniannot.transformer.rewrite import annotation_edits
from nniannot.transformer.source import Edit, Source, decode
from nniannot.transformer.space import SpaceBuilder, add_annotation
from nniannot.transformer.strays import find_strays
from nniannot.transformer.targets import APPLIES_TO_NEXT, check_target


@dataclass
class TransformResult:
    """What one file gives.

    ``code`` equals the source text (decoded, when bytes were given) when there is nothing to rewrite or
    on errors. ``has_annotations`` is True as soon as the file holds one annotation of any kind, also
    when all of them only report or fetch parameters (the rewritten code then reports).
    """

    search_space: dict[str, Any]
    code: str
    diagnostics: list[Diagnostic]
    has_annotations: bool
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list, repr=False)
    tree: ast.Module | None = field(default=None, repr=False)
    # Per mutable_layers key, each layer's output name and inputs: the wiring NNI's search space leaves out
    # (it stays NNI's format), kept for the viewer's architecture graph.
    architecture: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """No error diagnostics (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def transform(source: str | bytes, module: str = "train", path: str = "train.py") -> TransformResult:
    """Parse the annotations of one file; never raises, whatever the file holds.

    Bad annotations, bad Python, bytes that do not decode and expressions too deep to analyse are all
    diagnostics of the result.

    Args:
        source: the file's text, or its bytes (decoded as Python would: BOM, coding line, else UTF-8).
        module: its dotted module name relative to the code directory (the first part of every key).
        path: the name shown in diagnostics.
    """
    if isinstance(source, bytes):
        return analyze(source, module, path, need_tree=b"nni." in source)
    return analyze(source, module, path, need_tree="nni." in source)


def analyze(source: str | bytes, module: str, path: str, need_tree: bool = True) -> TransformResult:
    """Like :func:`transform`; with ``need_tree`` the file is parsed even without annotations (imports)."""
    if isinstance(source, bytes):
        source, problem = decode(source, path)
        if problem is not None:
            return TransformResult({}, source, [problem], "@nni." in source)
    if not need_tree:
        return TransformResult({}, source, [], False)
    with _collector_paused(len(source)):
        return _analyze_text(source, module, path)


# From this size on, a file's syntax tree is big enough that the collector walking it costs seconds.
_BIG = 1_000_000


@contextmanager
def _collector_paused(size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's syntax tree is built and read.

    Parsing allocates one object per node and creates no cycles; on a file of 100,000 lines the
    collector would otherwise walk the growing tree again and again (a quarter of the time). For a file
    of ``_BIG`` characters or more, what the analysis leaves alive is then frozen (``gc.freeze``): the
    collections after it would otherwise walk every node of the tree up to three times (each walk a
    sizeable part of the analysis at 60,000 annotations) only to find nothing to free. Frozen objects are still freed by reference
    counting when dropped; garbage cycles made before are collected first, so none of them is frozen.
    """
    was_enabled = gc.isenabled()
    big = was_enabled and size >= _BIG
    if big:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if big:
            gc.freeze()
        if was_enabled:
            gc.enable()


def _analyze_text(source: str, module: str, path: str) -> TransformResult:
    src = Source(source, path)
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        diag = src.diagnostic(line, exc.offset or 1, f"invalid Python syntax: {exc.msg}")
        return TransformResult({}, source, [diag], "@nni." in source)
    except (ValueError, RecursionError, MemoryError) as exc:
        return TransformResult({}, source, [src.diagnostic(1, 1, f"cannot parse the file: {exc}")], False)
    sites, imports = locate.find(tree)
    result = TransformResult({}, source, find_strays(src, tree, sites), bool(sites), imports, tree)
    if sites:
        _expand(src, sites, module, result)
    result.diagnostics.sort(key=lambda d: (d.line, d.col))
    return result


def _expand(src: Source, sites: list[locate.Site], module: str, result: TransformResult) -> None:
    diagnostics = result.diagnostics
    builder = SpaceBuilder()
    owned: list[tuple[Edit, Annotation]] = []
    parsed: list[Annotation] = []
    for site, pre in zip(sites, parse_all(sites)):
        try:
            owned.extend(_site(src, site, module, builder, diagnostics, result.architecture, parsed, pre))
        except RecursionError:
            # ast, astor and the renderers recurse once per level of nesting; a sum of thousands of
            # terms is deeper than Python's stack allows.
            loc = Context(src, site, module, diagnostics).loc_at(1, 0)
            diagnostics.append(src.diagnostic(loc.line, loc.col, _TOO_DEEP))
    diagnostics.extend(_overlaps(src, owned))
    diagnostics.extend(_lonely_training_updates(src, parsed))
    result.search_space = builder.space
    if not any(d.is_error for d in diagnostics):
        result.code = src.apply([e for e, _ in owned])


_TOO_DEEP = (
    "this annotation (or the statement it annotates) nests too deeply to be analysed: Python gives up "
    "on expressions with thousands of levels, such as a sum of thousands of terms; compute the value "
    "on an earlier line, or write it as a constant"
)


def _site(
    src: Source, site: locate.Site, module: str, builder: SpaceBuilder, diagnostics: list[Diagnostic],
    wiring: dict[str, dict[str, Any]], parsed: list[Annotation], pre: tuple[ast.stmt, int] | None = None,
) -> list[tuple[Edit, Annotation]]:  # fmt: skip
    """The edits of one annotation site (``pre``: its statement, already parsed); its problems go to
    ``diagnostics``, its wiring (mutable layers) to ``wiring``, the annotation to ``parsed``."""
    annotation = parse_site(src, site, module, diagnostics, pre)
    parsed.append(annotation)
    matches: list[ast.expr] = []
    if annotation.kind in APPLIES_TO_NEXT:
        message, matches = check_target(src, annotation)
        if message:
            loc = annotation.loc
            diagnostics.append(src.diagnostic(loc.line, loc.col, message))
            return []
    if annotation.record is None:
        return []
    clashes = add_annotation(builder, src, annotation)
    diagnostics.extend(clashes)
    if clashes:
        return []
    if isinstance(annotation.record, MutableLayers):
        record = annotation.record
        architecture = {
            layer.name: {"layer_output": layer.output, "fixed_inputs": list(layer.fixed_inputs),
                         "optional_inputs": [label for label, _ in layer.optional_inputs]}
            for layer in record.layers
        }  # fmt: skip
        wiring[record.key] = architecture
    return [(e, annotation) for e in annotation_edits(src, annotation, matches)]


def _lonely_training_updates(src: Source, parsed: list[Annotation]) -> list[Diagnostic]:
    """A warning at each ``training_update`` of a file without mutable layers (it fails in one-shot modes
    unless a mutable layer of another module ran first)."""
    if any(a.kind == "mutable_layers" for a in parsed):
        return []
    return [
        src.diagnostic(
            a.loc.line,
            a.loc.col,
            "`@nni.training_update` steps the architecture of mutable layers, but this file has no "
            "`@nni.mutable_layers`; in a one-shot mode (--nas-mode darts|enas|oneshot) it is an error unless "
            "a mutable layer of an imported module runs before it",
            severity="warning",
        )
        for a in parsed
        if a.kind == "training_update"
    ]


def _overlaps(src: Source, owned: list[tuple[Edit, Annotation]]) -> list[Diagnostic]:
    out = []
    end = -1
    for edit, annotation in sorted(owned, key=lambda pair: pair[0].start):
        if edit.start < end:
            loc = annotation.loc
            out.append(
                src.diagnostic(
                    loc.line,
                    loc.col,
                    "this annotation rewrites code that another annotation rewrites too; "
                    "annotate a statement that contains no other annotated statement",
                )
            )
        end = max(end, edit.end)
    return out

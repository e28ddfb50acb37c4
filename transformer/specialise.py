"""Specialise annotated code to one set of parameters: the trial's code as a person would write it.

Where the trial code reads a value from the tuner, the specialised code has the value itself: an annotated
assignment gets the chosen value, a function choice the chosen call, a mutable block one plain assignment per
layer (``out = chosen_layer([[fixed inputs], [chosen inputs]], **kwargs)``, the call the trial makes). Each
such annotation becomes a comment saying what the value was chosen from. Report annotations stay as they are
(they are inert strings), so the result still runs under plain ``python`` and reports under nni-annot.
Line numbers are not kept: this code is for reading, not for tracebacks.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nniannot.errors import AnnotationError
from nniannot.transformer import locate, render
from nniannot.transformer.core import analyze
from nniannot.transformer.parse import parse_site
from nniannot.transformer.records import FunctionChoice, LayerSpec, MutableLayers, Sampler, Variable
from nniannot.transformer.source import Edit, Source
from nniannot.transformer.targets import find_candidates

_MISSING = object()


@dataclass
class Specialised:
    """The specialised text of one file and the notes about it (e.g. keys the parameters lack)."""

    code: str
    notes: list[str] = field(default_factory=list)


def specialise(
    source: str, params: Mapping[str, Any], module: str = "train", path: str = "train.py"
) -> Specialised:
    """``source`` with every tuned annotation replaced by its value from ``params`` (keys as in ss_gen).

    A key missing from ``params`` (the code changed since the trial ran) keeps the value as written and
    gives a note. Raises AnnotationError if the file's annotations have errors.
    """
    result = analyze(source, module, path)
    if not result.ok:
        raise AnnotationError(result.errors)
    if not result.has_annotations or result.tree is None:
        return Specialised(source)
    src = Source(source, path)
    sites, _ = locate.find(result.tree)
    writer = _Writer(src, params, path)
    for site in sites:
        writer.site(site, module)
    return Specialised(src.apply(writer.edits), writer.notes)


class _Writer:
    """Collects the edits of one file."""

    def __init__(self, src: Source, params: Mapping[str, Any], path: str) -> None:
        self.src = src
        self.params = params
        self.path = path
        self.edits: list[Edit] = []
        self.notes: list[str] = []

    def site(self, site: locate.Site, module: str) -> None:
        annotation = parse_site(self.src, site, module, [])
        record = annotation.record
        if isinstance(record, Variable):
            self._replace(site.stmt, f"# chosen from {_describe(record.sampler)}")
            value = annotation.target.value  # type: ignore[union-attr]
            self._node(value, self._sampler_code(record.sampler, ast.unparse(value)))
        elif isinstance(record, FunctionChoice):
            shown = ", ".join(c.code for c in record.candidates)
            self._replace(site.stmt, f"# chosen from nni.function_choice({shown})")
            chosen = self._pick(record.key, [(c.label, c.code) for c in record.candidates])
            matches = find_candidates(site.target, {c.dump for c in record.candidates})  # type: ignore[arg-type]
            for node in matches:
                self._node(node, chosen if chosen is not None else ast.unparse(node))
        elif isinstance(record, MutableLayers):
            self._replace(site.stmt, *self._layers(record))
        elif annotation.kind in ("get_next_parameter", "training_update"):
            self._replace(site.stmt, "pass  # was @nni." + annotation.kind)

    def _replace(self, stmt: ast.stmt, *lines: str) -> None:
        """Replace a statement with lines at its indentation."""
        start, end = self.src.node_span(stmt)
        line = self.src.lines[stmt.lineno - 1].decode("utf-8", "surrogatepass")
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        self.edits.append(Edit(start, end, (self.src.newline + indent).join(lines)))

    def _node(self, node: ast.expr, text: str) -> None:
        start, end = self.src.node_span(node)
        self.edits.append(Edit(start, end, text))

    def _note_missing(self, key: str) -> None:
        self.notes.append(f"{self.path}: the parameters have no `{key}`; its code is kept as written")

    def _pick(self, key: str, options: list[tuple[Any, str]]) -> str | None:
        """The code of the option whose label the parameters chose for ``key`` (None: missing)."""
        got = self.params.get(key, _MISSING)
        for label, code in options:
            if _same(got, label):
                return code
        if got is _MISSING:
            self._note_missing(key)
        else:
            self.notes.append(f"{self.path}: `{key}` = {got!r} is none of its options; code kept as written")
        return None

    def _sampler_code(self, sampler: Sampler, written: str) -> str:
        if sampler.kind == "choice":
            for option in sampler.options:
                if _same(self.params.get(sampler.key, _MISSING), option.label) and option.nested:
                    return self._sampler_code(option.nested, written)
            chosen = self._pick(sampler.key, [(o.label, o.code) for o in sampler.options])
            return written if chosen is None else chosen
        got = self.params.get(sampler.key, _MISSING)
        if got is _MISSING:
            self._note_missing(sampler.key)
            return written
        if sampler.kind == "randint" and isinstance(got, (int, float)):
            return repr(int(got))
        return repr(got)

    def _layers(self, record: MutableLayers) -> list[str]:
        lines = [f"# chosen by nni.mutable_layers ({record.key})"]
        value = self.params.get(record.key, _MISSING)
        if not isinstance(value, Mapping):
            self.notes.append(
                f"{self.path}: the parameters have no `{record.key}`; its first choices are shown"
            )
            value = {}
        for layer in record.layers:
            lines.append(self._layer(record.key, layer, value.get(layer.name)))
        return lines

    def _layer(self, key: str, layer: LayerSpec, chosen: Any) -> str:
        """``out = func([[fixed], [optional]], **kwargs)``; the first choice when the value is missing."""
        if not isinstance(chosen, Mapping):
            if isinstance(self.params.get(key), Mapping):
                self.notes.append(f"{self.path}: `{key}` has no value for {layer.name}; first choice shown")
            chosen = {}
        by_label = {c.label: c for c in layer.choices}
        choice = by_label.get(chosen.get("chosen_layer"), layer.choices[0])
        codes = dict(layer.optional_inputs)
        names = chosen.get("chosen_inputs")
        if not isinstance(names, list):
            size = layer.size if isinstance(layer.size, int) else layer.size[0]
            names = [label for label, _ in layer.optional_inputs[:size]]
        inputs = [codes[n] for n in names if n in codes]
        args = [f"[[{', '.join(layer.fixed_inputs)}], [{', '.join(inputs)}]]"]
        args.extend(f"{name}={code}" for name, code in choice.kwargs)
        return f"{layer.output} = {choice.func}({', '.join(args)})"


def specialise_project(
    entry: str, code_dir: str | None, params: Mapping[str, Any]
) -> list[tuple[str, Specialised]]:
    """Specialise every annotated file of a trial (the entry script and the project modules it imports).

    Returns (shown path, result) pairs, entry first. Raises like :func:`nniannot.transformer.project.collect`.
    """
    from nniannot.transformer.project import collect, display_path, read_source

    project = collect(entry, code_dir)
    out = []
    for path in project.files:
        if project.results[path].has_annotations:
            shown = display_path(path)
            _, text = read_source(path)
            out.append((shown, specialise(text, params, project.modules[path], shown)))
    return out


def _describe(sampler: Sampler) -> str:
    if sampler.kind == "choice":
        return f"nni.choice({', '.join(o.label if o.nested else o.code for o in sampler.options)})"
    return f"nni.{sampler.kind}({', '.join(render.literal(n) for n in sampler.numbers)})"


def _same(a: Any, b: Any) -> bool:
    """Label equality as the trial runtime decides it: 1 is not True, and 1 is not "1"."""
    if a is _MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b) and isinstance(a, (int, float)) == isinstance(b, (int, float))

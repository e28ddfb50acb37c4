"""The code that stands for one trial's value of each tuned annotation, and the notes about missing ones.

A value the parameters lack (the code changed since the trial ran) or one that is none of its options
keeps the code as written (``None`` here) and adds a note; nothing here raises for such parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import libcst as cst

from nniannot.transformer import render
from nniannot.transformer.codemods import texts
from nniannot.transformer.records import FunctionChoice, LayerSpec, MutableLayers, Sampler

_MISSING = object()


class Values:
    """Looks values up in one trial's parameters and renders them as code; collects ``notes``."""

    def __init__(self, params: Mapping[str, Any], path: str) -> None:
        self.params = params
        self.path = path
        self.notes: list[str] = []

    def sampler(self, sampler: Sampler, call: cst.BaseExpression | None) -> str | None:
        """The code of the sampler's value; ``call`` is the sampler as written (for its options' text)."""
        got = self.params.get(sampler.key, _MISSING)
        if sampler.kind == "choice":
            for index, option in enumerate(sampler.options):
                if option.nested is not None and same(got, option.label):
                    return self.sampler(option.nested, texts.positional(call, index))
            written = [_text(texts.positional(call, i), o.code) for i, o in enumerate(sampler.options)]
            return self._pick(sampler.key, [o.label for o in sampler.options], written)
        if got is _MISSING:
            self._note_missing(sampler.key)
            return None
        return _number(sampler.kind, got)

    def function_choice(self, record: FunctionChoice, call: cst.Call | None) -> str | None:
        """The code of the chosen candidate, as written in the annotation."""
        written = [_text(texts.positional(call, i), c.code) for i, c in enumerate(record.candidates)]
        return self._pick(record.key, [c.label for c in record.candidates], written)

    def layers(self, record: MutableLayers, call: cst.Call | None) -> list[str]:
        """One assignment per layer: ``out = func([[fixed], [chosen inputs]], **kwargs)``."""
        value = self.params.get(record.key, _MISSING)
        present = isinstance(value, Mapping)
        if not isinstance(value, Mapping):
            self.notes.append(
                f"{self.path}: the parameters have no `{record.key}`; its first choices are shown"
            )
            value = {}
        out = []
        for index, layer in enumerate(record.layers):
            chosen = value.get(layer.name)
            if not isinstance(chosen, Mapping):
                if present:
                    self.notes.append(
                        f"{self.path}: `{record.key}` has no value for {layer.name}; first choice shown"
                    )
                chosen = {}
            out.append(_layer(layer, chosen, texts.positional(call, index)))
        return out

    def _pick(self, key: str, labels: list[Any], codes: list[str]) -> str | None:
        got = self.params.get(key, _MISSING)
        for label, text in zip(labels, codes):
            if same(got, label):
                return text
        if got is _MISSING:
            self._note_missing(key)
        else:
            self.notes.append(f"{self.path}: `{key}` = {got!r} is none of its options; code kept as written")
        return None

    def _note_missing(self, key: str) -> None:
        self.notes.append(f"{self.path}: the parameters have no `{key}`; its code is kept as written")


def _layer(layer: LayerSpec, chosen: Mapping[str, Any], written: cst.BaseExpression | None) -> str:
    """One layer's assignment; the first layer choice and the fewest inputs where the value lacks them."""
    labels = [c.label for c in layer.choices]
    index = labels.index(chosen["chosen_layer"]) if chosen.get("chosen_layer") in labels else 0
    choice = layer.choices[index]
    call = texts.element(texts.field(written, "layer_choice"), index)
    func = _text(call.func if isinstance(call, cst.Call) else None, choice.func)
    kwargs = texts.keywords(call)
    if kwargs is None or len(kwargs) != len(choice.kwargs):
        kwargs = list(choice.kwargs)
    optional = [label for label, _ in layer.optional_inputs]
    names = chosen.get("chosen_inputs")
    if not isinstance(names, list):
        size = layer.size if isinstance(layer.size, int) else layer.size[0]
        names = optional[:size]
    fixed = texts.field(written, "fixed_inputs")
    fixed_code = [_text(texts.element(fixed, i), c) for i, c in enumerate(layer.fixed_inputs)]
    inputs = texts.field(written, "optional_inputs")
    codes = {label: _text(texts.element(inputs, i), c) for i, (label, c) in enumerate(layer.optional_inputs)}
    args = [
        f"[[{', '.join(fixed_code)}], [{', '.join(codes[n] for n in names if isinstance(n, str) and n in codes)}]]"
    ]
    args.extend(f"{name}={text}" for name, text in kwargs)
    return f"{layer.output} = {func}({', '.join(args)})"


def _text(node: cst.CSTNode | None, fallback: str) -> str:
    return fallback if node is None else texts.code(node)


def _number(kind: str, got: Any) -> str:
    """A numeric sampler's value as a literal; ``float('inf')`` style for what has no literal."""
    whole = isinstance(got, int) or (isinstance(got, float) and got.is_integer())
    if kind == "randint" and whole and not isinstance(got, bool):
        return repr(int(got))
    if isinstance(got, float) and not math.isfinite(got):
        return f"float({str(got)!r})"
    return render.literal(got)


def same(a: Any, b: Any) -> bool:
    """Label equality as the trial runtime decides it: 1 is not True, and 1 is not "1"."""
    if a is _MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b) and isinstance(a, (int, float)) == isinstance(b, (int, float))

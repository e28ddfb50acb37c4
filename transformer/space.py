"""Build the NNI JSON search space of parsed annotations: keys in source order, shared and clashing keys."""

from __future__ import annotations

from typing import Any

from nniannot.errors import Diagnostic
from nniannot.transformer.records import Annotation, FunctionChoice, MutableLayers, Place, Variable
from nniannot.transformer.source import Source


class SpaceBuilder:
    """Collects ``key -> spec`` in order; a key seen again must have the same spec (then it is shared)."""

    def __init__(self) -> None:
        self.space: dict[str, Any] = {}
        self.places: dict[str, tuple[str, Place]] = {}

    def add(self, key: str, spec: dict[str, Any], path: str, loc: Place, named: bool) -> str | None:
        """Record one parameter; returns an error message if it clashes with an earlier one."""
        old = self.space.get(key)
        if old is None:
            self.space[key] = spec
            self.places[key] = (path, loc)
            return None
        first_path, first = self.places[key]
        where = f"line {first.line}" if first_path == path else f"{first_path}:{first.line}"
        if not named:
            return (
                f"two unnamed samplers on line {loc.line} get the same key `{key}`; "
                "put only one unnamed sampler of each kind on a line, or move one to its own line"
            )
        if old != spec:
            return (
                f"`{key}` is defined twice with different values: here {_short(spec)} and at {where} "
                f"{_short(old)}; give one of them another name, or make them equal to share it"
            )
        return None


def _short(spec: dict[str, Any]) -> str:
    text = repr(spec.get("_value"))
    return text if len(text) <= 60 else text[:57] + "..."


def add_annotation(builder: SpaceBuilder, source: Source, annotation: Annotation) -> list[Diagnostic]:
    """Add one valid annotation's parameters; the clashes found, as diagnostics."""
    out = []
    record = annotation.record
    entries: list[tuple[str, dict[str, Any], Place, bool]] = []
    if isinstance(record, Variable):
        entries = [(s.key, s.spec(), s.loc, s.named) for s in record.sampler.walk()]
    elif isinstance(record, (FunctionChoice, MutableLayers)):
        entries = [(record.key, record.spec(), annotation.loc, True)]
    for key, spec, loc, named in entries:
        message = builder.add(key, spec, source.path, loc, named)
        if message:
            out.append(source.diagnostic(loc.line, loc.col, message))
    return out

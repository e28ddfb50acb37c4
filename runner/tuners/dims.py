"""The vocabulary shared by :mod:`~nniannot.runner.tuners.encoding` and its per-parameter codecs.

:class:`Dim` is one coordinate of the encoded vector, :class:`ParamCodec` turns one parameter into its
coordinates and back, and :class:`DimBuilder` is what a codec needs from the encoding while it is built.
Both encoding modules import this one and neither imports the other's internals, so they form no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from nniannot.searchspace import SearchSpace

__all__ = ["Codecs", "Dim", "DimBuilder", "ParamCodec", "decode_codecs", "encode_codecs"]


@dataclass(frozen=True)
class Dim:
    """One coordinate of the encoded vector.

    ``levels`` (for ``num``) are the unit coordinates of the allowed values when there are finitely many
    (at most a few thousand), else None. ``parent``/``option`` say which categorical index activates the
    dimension (``parent`` is -1 for always-active dimensions).
    """

    name: str
    kind: str  # "num" or "cat"
    size: int = 0  # number of choices of a "cat"
    levels: np.ndarray | None = None
    parent: int = -1
    option: int = -1

    @property
    def is_cat(self) -> bool:
        return self.kind == "cat"

    @property
    def is_discrete(self) -> bool:
        return self.kind == "cat" or self.levels is not None


class ParamCodec(Protocol):
    """One parameter <-> its entries of the encoded vector."""

    def decode(self, u: np.ndarray) -> Any: ...

    def encode(self, value: Any, u: np.ndarray) -> None: ...


Codecs = list[tuple[str, ParamCodec]]


class DimBuilder(Protocol):
    """What a codec asks of the encoding being built: room for its dimensions, codecs for a sub-space."""

    def add_dim(self, dim: Dim) -> int: ...

    def build_sub(self, space: SearchSpace, parent: int, option: int, prefix: str) -> Codecs: ...


def decode_codecs(codecs: Codecs, u: np.ndarray) -> dict[str, Any]:
    """The parameters that ``codecs`` read from ``u``, by key, in the codecs' order."""
    return {key: codec.decode(u) for key, codec in codecs}


def encode_codecs(codecs: Codecs, params: Mapping[str, Any], u: np.ndarray) -> None:
    """Write into ``u`` the entries of every parameter of ``params`` that has a codec; others are skipped."""
    for key, codec in codecs:
        if key in params:
            codec.encode(params[key], u)

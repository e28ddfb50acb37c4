"""A search space as numeric and categorical dimensions in the unit cube, and back.

Model-based tuners (TPE, GP, anneal, evolution) work on a flat vector ``u``: one entry per :class:`Dim`.

* ``num`` dimensions live in ``[0, 1]``: the parameter's prior quantile for normal types (so a uniform
  draw of ``u`` is a draw from the prior), the position between the bounds otherwise (in log space for log
  types). Integer and quantised parameters are widened by half a step so that each allowed value owns a
  cell of ``u``; decoding rounds to the value, as NNI does.
* ``cat`` dimensions hold a choice index ``0 .. n-1`` (as a float).
* Nested choices add the dimensions of every option's sub-space; each such dimension is *active* only when
  its parent choice takes that option. :meth:`Encoding.encode` writes NaN into inactive dimensions.
* A ``mutable_layer`` becomes, per layer, a categorical for the chosen layer and one for the set of chosen
  inputs (every subset of an allowed size); when there are too many subsets, a categorical for the count
  and one ``num`` priority per optional input instead (the highest priorities are chosen).

Decoding any vector in range gives parameters inside the space (:meth:`SearchSpace.contains`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nniannot.runner.tuners.dims import Codecs, Dim, decode_codecs, encode_codecs
from nniannot.runner.tuners.encoding_params import codec_for
from nniannot.searchspace import SearchSpace

__all__ = ["Dim", "Encoding"]


class Encoding:
    """The flat encoding of a :class:`SearchSpace` (see the module docstring)."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.dims: list[Dim] = []
        self._codecs: Codecs = self._build(space, -1, -1, "")

    def _build(self, space: SearchSpace, parent: int, option: int, prefix: str) -> Codecs:
        codecs = []
        for param in space:
            codec = codec_for(param, self, parent, option, prefix + param.key)
            codecs.append((param.key, codec))
        return codecs

    def add_dim(self, dim: Dim) -> int:
        """Used by the codecs while building: append a dimension, return its index."""
        self.dims.append(dim)
        return len(self.dims) - 1

    def build_sub(self, space: SearchSpace, parent: int, option: int, prefix: str) -> Codecs:
        return self._build(space, parent, option, prefix)

    @property
    def n_dims(self) -> int:
        return len(self.dims)

    @property
    def cat_mask(self) -> np.ndarray:
        return np.array([d.is_cat for d in self.dims], dtype=bool)

    @property
    def sizes(self) -> np.ndarray:
        """Choice counts of categorical dimensions (0 for numeric ones)."""
        return np.array([d.size for d in self.dims], dtype=int)

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """Parameters for the vector ``u`` (out-of-range entries are clipped; NaN reads as the middle of a
        numeric range or the first choice)."""
        u = np.asarray(u, dtype=float)
        return decode_codecs(self._codecs, u)

    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """The vector of ``params`` (NaN in inactive dimensions and for values outside the space)."""
        u = np.full(self.n_dims, np.nan)
        encode_codecs(self._codecs, params, u)
        return u

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` vectors drawn from the prior (uniform ``num``, uniform ``cat``), shape ``(n, n_dims)``."""
        out = rng.random((n, self.n_dims))
        for j, d in enumerate(self.dims):
            if d.is_cat:
                out[:, j] = np.floor(out[:, j] * d.size)
        return out

    def active(self, u: np.ndarray) -> np.ndarray:
        """Boolean mask (same shape as ``u``, 1-D or 2-D) of the dimensions that matter for each row."""
        u = np.atleast_2d(u)
        mask = np.ones(u.shape, dtype=bool)
        for j, d in enumerate(self.dims):
            if d.parent >= 0:
                mask[:, j] = mask[:, d.parent] & (np.round(u[:, d.parent]) == d.option)
        return mask

    def snap(self, u: np.ndarray) -> np.ndarray:
        """``u`` with categorical entries rounded and clipped, discrete numeric entries on their levels."""
        u = np.array(u, dtype=float, copy=True)
        flat = np.atleast_2d(u)
        for j, d in enumerate(self.dims):
            col = flat[:, j]
            if d.is_cat:
                flat[:, j] = np.clip(np.round(col), 0, d.size - 1)
            elif d.levels is not None:
                idx = np.clip(np.searchsorted(d.levels, col), 1, len(d.levels) - 1)
                left, right = d.levels[idx - 1], d.levels[idx]
                flat[:, j] = np.where(col - left <= right - col, left, right)
            else:
                flat[:, j] = np.clip(col, 0.0, 1.0)
        return flat.reshape(u.shape)

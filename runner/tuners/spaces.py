"""Facts about a search space that several tuners need: identity of configurations, size, enumeration."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from itertools import combinations, product
from typing import Any

import numpy as np

from nniannot.runner.tuners.encoding import Encoding
from nniannot.runner.tuners.encoding_params import MAX_LEVELS, NumCodec
from nniannot.searchspace import (
    Choice,
    InputChoice,
    LayerChoice,
    MutableLayer,
    Nested,
    Param,
    RandInt,
    SearchSpace,
)

__all__ = ["config_key", "enumerate_space", "space_size"]


def _normal(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is float or kind is int:
        return float(value)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return repr(value)


def config_key(params: Mapping[str, Any]) -> str:
    """A string equal for equal configurations (``3`` and ``3.0`` compare equal, key order is ignored).

    A digest of the configuration's normal JSON, so that it stays 32 characters however many parameters
    there are: tuners keep one per trial, and the JSON of 60,000 parameters is megabytes long.
    """
    text = json.dumps(_normal(params), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _single(param: Param) -> NumCodec:
    return NumCodec(param, Encoding(SearchSpace()), -1, -1, param.key)


def _layer_size(layer: Any) -> int:
    m = len(layer.optional_inputs)
    low, high = layer.size_range
    return len(layer.layer_choice) * sum(math.comb(m, k) for k in range(low, min(high, m) + 1))


def _param_size(param: Param) -> int | None:
    if isinstance(param, Choice):
        total = 0
        for opt in param.options:
            sub = space_size(opt.space) if isinstance(opt, Nested) else 1
            if sub is None:
                return None
            total += sub
        return total
    if isinstance(param, (LayerChoice, InputChoice)):
        return len(param.values())
    if isinstance(param, MutableLayer):
        return math.prod(_layer_size(layer) for layer in param.layers)
    if isinstance(param, RandInt):
        # a very wide integer range is searched like a continuous one
        return param.high - param.low if param.high - param.low <= MAX_LEVELS else None
    codec = _single(param)
    return None if codec.values is None else len(codec.values)


def space_size(space: SearchSpace) -> int | None:
    """The number of distinct configurations, or None if it is infinite (a continuous parameter) or a
    parameter has more than ``MAX_LEVELS`` values (searched like a continuous one)."""
    sizes = []
    for param in space:
        size = _param_size(param)
        if size is None:
            return None
        sizes.append(size)
    return _product(sizes)


def _product(values: list[int]) -> int:
    """The exact product, multiplied pairwise: a running product of 60,000 factors costs more at each
    step, with the digits of the total so far."""
    while len(values) > 1:
        values = [math.prod(values[i : i + 2]) for i in range(0, len(values), 2)]
    return values[0] if values else 1


def _unit_points(level: int) -> list[float]:
    """Midpoints of a dyadic grid: 0.5; then 0.25, 0.5, 0.75; ... (all points up to ``level``)."""
    n = 2 ** (level + 1)
    return [k / n for k in range(1, n)]


def _param_values(param: Param, level: int) -> list[Any]:
    if isinstance(param, Choice):
        out: list[Any] = []
        for opt in param.options:
            if isinstance(opt, Nested):
                out.extend({"_name": opt.name, **sub} for sub in enumerate_space(opt.space, level))
            else:
                out.append(opt)
        return out
    if isinstance(param, (LayerChoice, InputChoice)):
        return param.values()
    if isinstance(param, MutableLayer):
        per_layer = []
        for layer in param.layers:
            m = len(layer.optional_inputs)
            low, high = layer.size_range
            subsets = [c for k in range(low, min(high, m) + 1) for c in combinations(range(m), k)]
            per_layer.append(
                [
                    {"chosen_layer": c, "chosen_inputs": [layer.optional_inputs[i] for i in s]}
                    for c in layer.layer_choice
                    for s in subsets
                ]
            )
        names = [layer.name for layer in param.layers]
        return [dict(zip(names, combo)) for combo in product(*per_layer)]
    codec = _single(param)
    if codec.values is not None:
        vals = codec.values.tolist()
        return [int(v) for v in vals] if isinstance(param, RandInt) else vals
    return [codec.decode(np.array([u])) for u in _unit_points(level)]


def enumerate_space(space: SearchSpace, level: int = 0) -> Iterator[dict[str, Any]]:
    """Every configuration of a discrete space; continuous parameters on a dyadic grid of ``level``.

    May repeat a configuration when quantised values coincide; callers deduplicate with
    :func:`config_key`.
    """
    keys = space.keys()
    values = [_param_values(p, level) for p in space]
    for combo in product(*values):
        yield dict(zip(keys, combo))


def is_finite(space: SearchSpace, limit: int = MAX_LEVELS * 64) -> bool:
    """True if the space is discrete and small enough to enumerate."""
    size = space_size(space)
    return size is not None and size <= limit

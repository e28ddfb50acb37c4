"""Per-parameter codecs for :mod:`nniannot.runner.tuners.encoding`: one parameter <-> its entries of the vector."""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import combinations
from statistics import NormalDist
from typing import Any

import numpy as np

from nniannot.runner.tuners.dims import Codecs, Dim, DimBuilder, ParamCodec, decode_codecs, encode_codecs
from nniannot.searchspace import (
    Choice,
    InputChoice,
    Layer,
    LayerChoice,
    LogNormal,
    MutableLayer,
    Nested,
    Normal,
    Param,
    QLogNormal,
    QLogUniform,
    QNormal,
    QUniform,
    RandInt,
    quantize,
)

_GAUSSIAN = (Normal, QNormal, LogNormal, QLogNormal)
_QUANTISED = (QUniform, QLogUniform)

# Above this many allowed values a quantised parameter is treated as continuous (rounded on decode).
MAX_LEVELS = 4096
# Above this many subsets, chosen inputs are encoded as a count plus one priority per input.
MAX_SUBSETS = 1024
_EPS = 1e-12
_STANDARD_NORMAL = NormalDist()


def same_value(a: Any, b: Any) -> bool:
    """Equality as a choice option compares: numbers by value, ``True`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class ConstCodec:
    def __init__(self, value: Any) -> None:
        self.value = value

    def decode(self, u: np.ndarray) -> Any:
        return self.value

    def encode(self, value: Any, u: np.ndarray) -> None:
        return None


class NumCodec:
    """Uniform, log-uniform, their q-variants, randint, and the four normal types."""

    def __init__(self, param: Param, enc: DimBuilder, parent: int, option: int, name: str) -> None:
        self.param = param
        self.log = bool(getattr(param, "log", False))
        self.gaussian = isinstance(param, _GAUSSIAN)
        self.q: float | None = getattr(param, "q", None)
        self.values: np.ndarray | None = self._levels(param)
        levels = None
        if self.gaussian:
            self.lo, self.hi = 0.0, 1.0
        elif self.values is not None:
            f = self._f(self.values)
            first = (f[1] - f[0]) / 2 if len(f) > 1 else 0.5
            last = (f[-1] - f[-2]) / 2 if len(f) > 1 else 0.5
            self.lo, self.hi = float(f[0] - first), float(f[-1] + last)
            levels = (f - self.lo) / (self.hi - self.lo)
        else:
            low, high = float(param.low), float(param.high)  # type: ignore[attr-defined]
            self.lo, self.hi = (math.log(low), math.log(high)) if self.log else (low, high)
        self.index = enc.add_dim(Dim(name, "num", levels=levels, parent=parent, option=option))
        self.levels = levels

    def _f(self, x: np.ndarray) -> np.ndarray:
        return np.log(x) if self.log else np.asarray(x, dtype=float)

    @staticmethod
    def _levels(param: Param) -> np.ndarray | None:
        if isinstance(param, RandInt):
            if param.high - param.low > MAX_LEVELS:
                return None
            return np.arange(param.low, param.high, dtype=float)
        if isinstance(param, _QUANTISED) and param.q is not None:
            q = param.q
            k0, k1 = round(param.low / q), round(param.high / q)
            if k1 - k0 + 1 > MAX_LEVELS:
                return None
            vals = [min(max(quantize(k * q, q), param.low), param.high) for k in range(k0, k1 + 1)]
            return np.unique(np.array(vals, dtype=float))
        return None

    def decode(self, u: np.ndarray) -> Any:
        x = float(u[self.index])
        x = 0.5 if math.isnan(x) else min(max(x, 0.0), 1.0)
        p = self.param
        if self.values is not None and self.levels is not None:
            i = int(np.argmin(np.abs(self.levels - x)))
            v = float(self.values[i])
            return int(v) if isinstance(p, RandInt) else v
        if self.gaussian:
            z = _STANDARD_NORMAL.inv_cdf(min(max(x, _EPS), 1 - _EPS))
            v = p.mu + p.sigma * z  # type: ignore[attr-defined]
            v = math.exp(v) if self.log else v
            return v if self.q is None else quantize(v, self.q)
        v = self.lo + x * (self.hi - self.lo)
        v = math.exp(v) if self.log else v
        if isinstance(p, RandInt):
            return int(min(max(round(v), p.low), p.high - 1))
        low, high = p.low, p.high  # type: ignore[attr-defined]
        if self.q is not None:
            v = quantize(v, self.q)
        return min(max(v, low), high)

    def unit(self, value: Any) -> float:
        """The unit coordinate of ``value`` (NaN if it is not a number this parameter can encode)."""
        if not _is_number(value):
            return math.nan
        v = float(value)
        if self.log and v <= 0:
            return 0.0
        f = math.log(v) if self.log else v
        if self.gaussian:
            return _STANDARD_NORMAL.cdf((f - self.param.mu) / self.param.sigma)  # type: ignore[attr-defined]
        if self.levels is not None and self.values is not None:
            return float(self.levels[int(np.argmin(np.abs(self.values - v)))])
        return min(max((f - self.lo) / (self.hi - self.lo), 0.0), 1.0)

    def encode(self, value: Any, u: np.ndarray) -> None:
        u[self.index] = self.unit(value)


class ChoiceCodec:
    def __init__(self, param: Choice, enc: DimBuilder, parent: int, option: int, name: str) -> None:
        self.options = param.options
        self.index = -1
        if len(self.options) > 1:
            self.index = enc.add_dim(Dim(name, "cat", size=len(self.options), parent=parent, option=option))
        sub_parent = self.index if self.index >= 0 else parent
        self.subs: list[Codecs | None] = []
        for i, opt in enumerate(self.options):
            if isinstance(opt, Nested):
                sub_option = i if self.index >= 0 else option
                self.subs.append(enc.build_sub(opt.space, sub_parent, sub_option, f"{name}/{opt.name}/"))
            else:
                self.subs.append(None)

    def _pick(self, u: np.ndarray) -> int:
        if self.index < 0:
            return 0
        x = float(u[self.index])
        return 0 if math.isnan(x) else int(min(max(round(x), 0), len(self.options) - 1))

    def decode(self, u: np.ndarray) -> Any:
        i = self._pick(u)
        opt, sub = self.options[i], self.subs[i]
        if isinstance(opt, Nested) and sub is not None:
            return {"_name": opt.name, **decode_codecs(sub, u)}
        return opt

    def encode(self, value: Any, u: np.ndarray) -> None:
        for i, opt in enumerate(self.options):
            if isinstance(opt, Nested):
                if isinstance(value, Mapping) and value.get("_name") == opt.name:
                    if self.index >= 0:
                        u[self.index] = i
                    encode_codecs(self.subs[i] or [], value, u)
                    return
            elif same_value(opt, value):
                if self.index >= 0:
                    u[self.index] = i
                return


class LayerCodec:
    """One layer of a mutable block: the chosen layer, and the chosen inputs of an allowed count."""

    def __init__(self, layer: Layer, enc: DimBuilder, parent: int, option: int, name: str) -> None:
        self.layer = layer
        self.choice = -1
        if len(layer.layer_choice) > 1:
            self.choice = enc.add_dim(
                Dim(f"{name}/chosen_layer", "cat", size=len(layer.layer_choice), parent=parent, option=option)
            )
        m = len(layer.optional_inputs)
        low, high = layer.size_range
        self.counts = list(range(low, min(high, m) + 1))
        n_subsets = sum(math.comb(m, k) for k in self.counts)
        self.subsets: list[tuple[int, ...]] | None = None
        self.inputs = self.count = -1
        self.priorities: list[int] = []
        if n_subsets <= MAX_SUBSETS:
            self.subsets = [c for k in self.counts for c in combinations(range(m), k)]
            if len(self.subsets) > 1:
                self.inputs = enc.add_dim(
                    Dim(f"{name}/chosen_inputs", "cat", size=len(self.subsets), parent=parent, option=option)
                )
        else:
            if len(self.counts) > 1:
                self.count = enc.add_dim(
                    Dim(f"{name}/input_count", "cat", size=len(self.counts), parent=parent, option=option)
                )
            self.priorities = [
                enc.add_dim(Dim(f"{name}/input/{x}", "num", parent=parent, option=option))
                for x in layer.optional_inputs
            ]

    @staticmethod
    def _cat(u: np.ndarray, j: int, n: int) -> int:
        if j < 0:
            return 0
        x = float(u[j])
        return 0 if math.isnan(x) else int(min(max(round(x), 0), n - 1))

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        layer = self.layer
        chosen = layer.layer_choice[self._cat(u, self.choice, len(layer.layer_choice))]
        if self.subsets is not None:
            picked: tuple[int, ...] = self.subsets[self._cat(u, self.inputs, len(self.subsets))]
        else:
            k = self.counts[self._cat(u, self.count, len(self.counts))]
            prio = np.nan_to_num(np.array([u[j] for j in self.priorities], dtype=float), nan=0.5)
            picked = tuple(sorted(int(i) for i in np.argsort(-prio, kind="stable")[:k]))
        return {"chosen_layer": chosen, "chosen_inputs": [layer.optional_inputs[i] for i in picked]}

    def encode(self, value: Any, u: np.ndarray) -> None:
        if not isinstance(value, Mapping):
            return
        layer = self.layer
        if self.choice >= 0 and value.get("chosen_layer") in layer.layer_choice:
            u[self.choice] = layer.layer_choice.index(value["chosen_layer"])
        chosen = value.get("chosen_inputs")
        if not isinstance(chosen, list) or any(c not in layer.optional_inputs for c in chosen):
            return
        picked = tuple(sorted({layer.optional_inputs.index(c) for c in chosen}))
        if self.subsets is not None:
            if self.inputs >= 0 and picked in self.subsets:
                u[self.inputs] = self.subsets.index(picked)
            return
        if self.count >= 0 and len(picked) in self.counts:
            u[self.count] = self.counts.index(len(picked))
        for i, j in enumerate(self.priorities):
            u[j] = 0.75 if i in picked else 0.25


class MutableCodec:
    def __init__(self, param: MutableLayer, enc: DimBuilder, parent: int, option: int, name: str) -> None:
        self.layers = [
            (layer.name, LayerCodec(layer, enc, parent, option, f"{name}/{layer.name}"))
            for layer in param.layers
        ]

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        return {name: codec.decode(u) for name, codec in self.layers}

    def encode(self, value: Any, u: np.ndarray) -> None:
        if isinstance(value, Mapping):
            for name, codec in self.layers:
                codec.encode(value.get(name), u)


class ListCodec:
    """A parameter with a finite list of allowed values (``layer_choice``, ``input_choice``) as one
    categorical over that list; an input choice of k from c is a categorical over the C(c, k) subsets."""

    def __init__(
        self, param: LayerChoice | InputChoice, enc: DimBuilder, parent: int, option: int, name: str
    ) -> None:
        self.values = param.values()
        self.index = -1
        if len(self.values) > 1:
            self.index = enc.add_dim(Dim(name, "cat", size=len(self.values), parent=parent, option=option))

    def decode(self, u: np.ndarray) -> Any:
        if self.index < 0:
            return self.values[0]
        x = float(u[self.index])
        i = 0 if math.isnan(x) else int(min(max(round(x), 0), len(self.values) - 1))
        return self.values[i]

    def encode(self, value: Any, u: np.ndarray) -> None:
        if self.index < 0 or not isinstance(value, Mapping):
            return
        idx = value.get("_idx")
        key = sorted(idx) if isinstance(idx, list) else idx
        for i, v in enumerate(self.values):
            if v["_idx"] == key:
                u[self.index] = i
                return


def codec_for(param: Param, enc: DimBuilder, parent: int, option: int, name: str) -> ParamCodec:
    """The codec of one parameter, adding its dimensions to ``enc``."""
    if isinstance(param, Choice):
        if len(param.options) == 1 and not param.is_nested:
            return ConstCodec(param.options[0])
        return ChoiceCodec(param, enc, parent, option, name)
    if isinstance(param, MutableLayer):
        return MutableCodec(param, enc, parent, option, name)
    if isinstance(param, (LayerChoice, InputChoice)):
        return ListCodec(param, enc, parent, option, name)
    if isinstance(param, RandInt) and param.high - param.low == 1:
        return ConstCodec(param.low)
    return NumCodec(param, enc, parent, option, name)

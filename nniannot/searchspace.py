"""Typed search-space specs for NNI's JSON format.

A search space is an ordered mapping from a parameter key to a spec ``{"_type": ..., "_value": ...}``.
:meth:`SearchSpace.from_json` parses and validates one (every problem is a :class:`SearchSpaceError` whose
message names the key and states the rule with the values that broke it); :meth:`SearchSpace.to_json` gives
the same JSON back, so a space round-trips unchanged.

Standard library only: trials import this module.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain, combinations
from typing import TYPE_CHECKING, Any, ClassVar

from nniannot.errors import SearchSpaceError
from nniannot.space_rules import NUMERIC_ARGUMENTS, bounds_problem, layer_size_problem

if TYPE_CHECKING:
    import random  # only the type of the generators callers pass in

__all__ = [
    "NUMERIC_ARGUMENTS",
    "Choice",
    "InputChoice",
    "Layer",
    "LayerChoice",
    "LogNormal",
    "LogUniform",
    "MutableLayer",
    "Nested",
    "Normal",
    "Param",
    "QLogNormal",
    "QLogUniform",
    "QNormal",
    "QUniform",
    "RandInt",
    "SearchSpace",
    "Uniform",
    "bounds_problem",
    "layer_size_problem",
    "quantize",
    "short_names",
]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _numbers(key: str, type_: str, value: Any, names: tuple[str, ...]) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != len(names):
        raise SearchSpaceError(
            f"search space key {key!r}: `{type_}` takes [{', '.join(names)}] "
            f"({len(names)} numbers), but got {value!r}"
        )
    for name, x in zip(names, value):
        if not _is_number(x):
            raise SearchSpaceError(
                f"search space key {key!r}: `{type_}` needs a finite number for {name}, but got {x!r}"
            )
    return list(value)


def quantize(x: float, q: float) -> float:
    """``round(x / q) * q`` as NNI defines q-types, without float noise (0.6, not 0.6000000000000001)."""
    steps = x / q
    if not math.isfinite(steps):  # an extreme draw over a tiny q: there is no grid point to round to
        return x
    return float(f"{round(steps) * q:.15g}")


@dataclass(frozen=True)
class Param:
    """Base of every parameter spec. ``key`` is the full key (``train/lr/choice``)."""

    key: str
    type_name: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        return {"_type": self.type_name, "_value": self._json_value()}

    def _json_value(self) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        """True if ``value`` is one this parameter can take."""
        raise NotImplementedError  # pragma: no cover

    def sample(self, rng: random.Random) -> Any:
        """Draw a value from the prior NNI defines for this type."""
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class Nested:
    """A choice option that carries its own sub-space (NNI's nested choice, ``{"_name": ..., ...}``)."""

    name: str
    space: SearchSpace

    def to_json(self) -> dict[str, Any]:
        return {"_name": self.name, **self.space.to_json()}


@dataclass(frozen=True)
class Choice(Param):
    options: tuple[Any, ...] = ()
    type_name: ClassVar[str] = "choice"

    def _json_value(self) -> Any:
        return [o.to_json() if isinstance(o, Nested) else o for o in self.options]

    @property
    def is_nested(self) -> bool:
        return any(isinstance(o, Nested) for o in self.options)

    def contains(self, value: Any) -> bool:
        for option in self.options:
            if isinstance(option, Nested):
                if isinstance(value, Mapping) and value.get("_name") == option.name:
                    rest = {k: v for k, v in value.items() if k != "_name"}
                    if option.space.contains(rest):
                        return True
            elif _same_value(option, value):
                return True
        return False

    def sample(self, rng: random.Random) -> Any:
        option = self.options[rng.randrange(len(self.options))]
        if isinstance(option, Nested):
            return {"_name": option.name, **option.space.sample(rng)}
        return option


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class RandInt(Param):
    """An integer in ``[low, high)``; ``high`` is exclusive, as in NNI."""

    low: int = 0
    high: int = 1
    type_name: ClassVar[str] = "randint"

    def _json_value(self) -> Any:
        return [self.low, self.high]

    def contains(self, value: Any) -> bool:
        return _is_number(value) and float(value).is_integer() and self.low <= value < self.high

    def sample(self, rng: random.Random) -> int:
        return rng.randrange(self.low, self.high)


# The concrete numeric types below add no fields, so they inherit the frozen dataclass methods of
# their base instead of being dataclasses themselves: generating those methods again for each of them
# was most of the cost of importing this module, which `ss_gen` and every tuner pay.
@dataclass(frozen=True)
class _Bounded(Param):
    low: float = 0.0
    high: float = 1.0
    q: float | None = None
    log: ClassVar[bool] = False

    def _json_value(self) -> Any:
        return [self.low, self.high] if self.q is None else [self.low, self.high, self.q]

    def contains(self, value: Any) -> bool:
        return _is_number(value) and self.low <= value <= self.high

    def sample(self, rng: random.Random) -> float:
        if self.log:
            x = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            x = rng.uniform(self.low, self.high)
        if self.q is not None:
            x = min(max(quantize(x, self.q), self.low), self.high)
        return x


class Uniform(_Bounded):
    type_name: ClassVar[str] = "uniform"


class QUniform(_Bounded):
    type_name: ClassVar[str] = "quniform"


class LogUniform(_Bounded):
    type_name: ClassVar[str] = "loguniform"
    log: ClassVar[bool] = True


class QLogUniform(_Bounded):
    type_name: ClassVar[str] = "qloguniform"
    log: ClassVar[bool] = True


@dataclass(frozen=True)
class _Gaussian(Param):
    mu: float = 0.0
    sigma: float = 1.0
    q: float | None = None
    log: ClassVar[bool] = False

    def _json_value(self) -> Any:
        return [self.mu, self.sigma] if self.q is None else [self.mu, self.sigma, self.q]

    def contains(self, value: Any) -> bool:
        # exp() of a very negative draw underflows to 0.0, so a log-normal value may be exactly 0.
        return _is_number(value) and (value >= 0 or not self.log)

    def sample(self, rng: random.Random) -> float:
        x = rng.gauss(self.mu, self.sigma)
        if self.log:
            x = math.exp(min(x, 700.0))  # beyond that exp() overflows a float
        if self.q is not None:
            x = quantize(x, self.q)
        return x


class Normal(_Gaussian):
    type_name: ClassVar[str] = "normal"


class QNormal(_Gaussian):
    type_name: ClassVar[str] = "qnormal"


class LogNormal(_Gaussian):
    type_name: ClassVar[str] = "lognormal"
    log: ClassVar[bool] = True


class QLogNormal(_Gaussian):
    type_name: ClassVar[str] = "qlognormal"
    log: ClassVar[bool] = True


@dataclass(frozen=True)
class Layer:
    """One layer of a mutable block: which call to use and which optional inputs to feed it."""

    name: str
    layer_choice: tuple[str, ...]
    optional_inputs: tuple[str, ...] = ()
    optional_input_size: int | tuple[int, int] = 0
    fixed_inputs: tuple[str, ...] = ()

    @property
    def size_range(self) -> tuple[int, int]:
        """The allowed number of chosen optional inputs as an inclusive ``(min, max)``."""
        s = self.optional_input_size
        return (s, s) if isinstance(s, int) else (s[0], s[1])

    def to_json(self) -> dict[str, Any]:
        size = self.optional_input_size
        out: dict[str, Any] = {
            "layer_choice": list(self.layer_choice),
            "optional_inputs": list(self.optional_inputs),
            "optional_input_size": size if isinstance(size, int) else list(size),
        }
        if self.fixed_inputs:
            out["fixed_inputs"] = list(self.fixed_inputs)
        return out

    def contains(self, value: Any) -> bool:
        if not isinstance(value, Mapping) or value.get("chosen_layer") not in self.layer_choice:
            return False
        chosen = value.get("chosen_inputs", [])
        if not isinstance(chosen, list) or any(c not in self.optional_inputs for c in chosen):
            return False
        low, high = self.size_range
        return low <= len(chosen) <= high and len(set(chosen)) == len(chosen)

    def sample(self, rng: random.Random) -> dict[str, Any]:
        low, high = self.size_range
        k = rng.randint(low, min(high, len(self.optional_inputs)))
        picked = sorted(rng.sample(range(len(self.optional_inputs)), k))
        return {
            "chosen_layer": self.layer_choice[rng.randrange(len(self.layer_choice))],
            "chosen_inputs": [self.optional_inputs[i] for i in picked],
        }


@dataclass(frozen=True)
class MutableLayer(Param):
    """A block of mutable layers (``@nni.mutable_layers``); its value maps each layer name to a choice."""

    layers: tuple[Layer, ...] = ()
    type_name: ClassVar[str] = "mutable_layer"

    def _json_value(self) -> Any:
        return {layer.name: layer.to_json() for layer in self.layers}

    def contains(self, value: Any) -> bool:
        if not isinstance(value, Mapping) or set(value) != {layer.name for layer in self.layers}:
            return False
        return all(layer.contains(value[layer.name]) for layer in self.layers)

    def sample(self, rng: random.Random) -> dict[str, Any]:
        return {layer.name: layer.sample(rng) for layer in self.layers}


@dataclass(frozen=True)
class LayerChoice(Param):
    """One of a module's candidate operations (NNI's classic-NAS ``layer_choice``).

    Its value is NNI's ``{"_value": name, "_idx": index}``.
    """

    candidates: tuple[str, ...] = ()
    type_name: ClassVar[str] = "layer_choice"

    def _json_value(self) -> Any:
        return list(self.candidates)

    def values(self) -> list[dict[str, Any]]:
        """Every allowed value, in candidate order."""
        return [{"_value": c, "_idx": i} for i, c in enumerate(self.candidates)]

    def contains(self, value: Any) -> bool:
        if not isinstance(value, Mapping) or set(value) != {"_value", "_idx"}:
            return False
        i = value["_idx"]
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.candidates):
            return False
        return value["_value"] == self.candidates[i]

    def sample(self, rng: random.Random) -> dict[str, Any]:
        i = rng.randrange(len(self.candidates))
        return {"_value": self.candidates[i], "_idx": i}


@dataclass(frozen=True)
class InputChoice(Param):
    """``n_chosen`` of a module's candidate inputs (NNI's classic-NAS ``input_choice``).

    Its value is NNI's ``{"_value": [names], "_idx": [indices]}`` with distinct indices. When
    ``n_chosen`` is None any number of inputs may be chosen, as NNI allows.
    """

    candidates: tuple[str, ...] = ()
    n_chosen: int | None = 1
    type_name: ClassVar[str] = "input_choice"

    def _json_value(self) -> Any:
        return {"candidates": list(self.candidates), "n_chosen": self.n_chosen}

    def counts(self) -> range:
        """The allowed numbers of chosen inputs."""
        n = len(self.candidates)
        return range(n + 1) if self.n_chosen is None else range(self.n_chosen, self.n_chosen + 1)

    def values(self) -> list[dict[str, Any]]:
        """Every allowed value (indices ascending), smallest subsets first."""
        n = len(self.candidates)
        return [
            {"_value": [self.candidates[i] for i in idx], "_idx": list(idx)}
            for k in self.counts()
            for idx in combinations(range(n), k)
        ]

    def contains(self, value: Any) -> bool:
        if not isinstance(value, Mapping) or set(value) != {"_value", "_idx"}:
            return False
        idx, names = value["_idx"], value["_value"]
        if not isinstance(idx, list) or not isinstance(names, list) or len(idx) != len(names):
            return False
        n = len(self.candidates)
        if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n for i in idx):
            return False
        if len(set(idx)) != len(idx) or len(idx) not in self.counts():
            return False
        return all(names[j] == self.candidates[i] for j, i in enumerate(idx))

    def sample(self, rng: random.Random) -> dict[str, Any]:
        counts = self.counts()
        k = counts[rng.randrange(len(counts))]
        idx = sorted(rng.sample(range(len(self.candidates)), k))
        return {"_value": [self.candidates[i] for i in idx], "_idx": idx}


@dataclass(frozen=True)
class SearchSpace:
    """An ordered, validated search space. Iterating gives the specs in source order."""

    params: tuple[Param, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, obj: Any) -> SearchSpace:
        """Parse NNI's JSON form (a dict of key -> spec). Raises SearchSpaceError naming the bad key."""
        if not isinstance(obj, Mapping):
            raise SearchSpaceError(
                f'a search space must be a JSON object of key -> {{"_type", "_value"}}, '
                f"but got {type(obj).__name__}"
            )
        params = []
        for key, spec in obj.items():
            if not isinstance(key, str) or not key:
                raise SearchSpaceError(f"search space keys must be non-empty strings, but got {key!r}")
            params.append(parse_param(key, spec))
        return cls(tuple(params))

    def to_json(self) -> dict[str, Any]:
        return {p.key: p.to_json() for p in self.params}

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __getitem__(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
                return p
        raise KeyError(key)

    def keys(self) -> list[str]:
        return [p.key for p in self.params]

    def contains(self, values: Mapping[str, Any]) -> bool:
        """True if ``values`` gives every key exactly once with a value inside its spec."""
        return set(values) == set(self.keys()) and all(p.contains(values[p.key]) for p in self.params)

    def check(self, values: Mapping[str, Any]) -> None:
        """Raise SearchSpaceError describing the first key that is missing, unknown or out of range."""
        known = self.keys()
        for k in values:
            if k not in known:
                raise SearchSpaceError(f"unknown parameter {k!r}; the search space has {', '.join(known)}")
        for p in self.params:
            if p.key not in values:
                raise SearchSpaceError(f"parameter {p.key!r} is missing")
            if not p.contains(values[p.key]):
                raise SearchSpaceError(
                    f"parameter {p.key!r}: {values[p.key]!r} is outside its {p.type_name} {p._json_value()!r}"
                )

    def sample(self, rng: random.Random) -> dict[str, Any]:
        return {p.key: p.sample(rng) for p in self.params}


_BOUNDED = {"uniform": Uniform, "quniform": QUniform, "loguniform": LogUniform, "qloguniform": QLogUniform}
_GAUSSIAN = {"normal": Normal, "qnormal": QNormal, "lognormal": LogNormal, "qlognormal": QLogNormal}
_NUMERIC: dict[str, type[Param]] = {**_BOUNDED, **_GAUSSIAN}
TYPES = ("choice", "randint", *_BOUNDED, *_GAUSSIAN, "mutable_layer", "layer_choice", "input_choice")


def parse_param(key: str, spec: Any) -> Param:
    """Parse one ``{"_type", "_value"}`` spec for ``key``."""
    if not isinstance(spec, Mapping) or "_type" not in spec or "_value" not in spec:
        raise SearchSpaceError(
            f"search space key {key!r}: a spec needs `_type` and `_value`, but got {spec!r}"
        )
    extra = set(spec) - {"_type", "_value"}
    if extra:
        raise SearchSpaceError(f"search space key {key!r}: unexpected field(s) {', '.join(sorted(extra))}")
    type_, value = spec["_type"], spec["_value"]
    if type_ == "choice":
        return _parse_choice(key, value)
    if type_ in NUMERIC_ARGUMENTS:
        nums = _numbers(key, type_, value, NUMERIC_ARGUMENTS[type_])
        problem = bounds_problem(type_, nums)
        if problem:
            raise SearchSpaceError(f"search space key {key!r}: `{type_}`: {problem}")
        if type_ == "randint":
            return RandInt(key, int(nums[0]), int(nums[1]))
        q = nums[2] if len(nums) == 3 else None
        return _NUMERIC[type_](key, nums[0], nums[1], q)  # type: ignore[call-arg]
    if type_ == "mutable_layer":
        return _parse_mutable(key, value)
    if type_ == "layer_choice":
        return _parse_layer_choice(key, value)
    if type_ == "input_choice":
        return _parse_input_choice(key, value)
    raise SearchSpaceError(
        f"search space key {key!r}: unknown `_type` {type_!r}; known types: {', '.join(TYPES)}"
    )


def _parse_choice(key: str, value: Any) -> Choice:
    if not isinstance(value, (list, tuple)) or not value:
        raise SearchSpaceError(
            f"search space key {key!r}: `choice` needs a non-empty list of options, got {value!r}"
        )
    options: list[Any] = []
    names: set[str] = set()
    for option in value:
        if isinstance(option, Mapping) and "_name" in option:
            name = option["_name"]
            if not isinstance(name, str) or name in names:
                raise SearchSpaceError(
                    f"search space key {key!r}: nested option `_name` must be a unique string, got {name!r}"
                )
            names.add(name)
            sub = {k: v for k, v in option.items() if k != "_name"}
            # Parsed under the full path so that errors name it; stored under the plain local key.
            sub_params = tuple(replace(parse_param(f"{key}/{name}/{k}", s), key=k) for k, s in sub.items())
            options.append(Nested(name, SearchSpace(sub_params)))
        else:
            options.append(option)
    return Choice(key, tuple(options))


def _parse_layer_choice(key: str, value: Any) -> LayerChoice:
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, str) for v in value)
        or len(set(value)) != len(value)
    ):
        raise SearchSpaceError(
            f"search space key {key!r}: `layer_choice` needs a non-empty list of distinct candidate names, "
            f"got {value!r}"
        )
    return LayerChoice(key, tuple(value))


def _parse_input_choice(key: str, value: Any) -> InputChoice:
    if not isinstance(value, Mapping) or "candidates" not in value or set(value) - {"candidates", "n_chosen"}:
        raise SearchSpaceError(
            f'search space key {key!r}: `input_choice` needs {{"candidates": [...], "n_chosen": k}}, '
            f"got {value!r}"
        )
    candidates = value["candidates"]
    if (
        not isinstance(candidates, (list, tuple))
        or not candidates
        or not all(isinstance(c, str) for c in candidates)
    ):
        raise SearchSpaceError(
            f"search space key {key!r}: `input_choice` candidates must be a non-empty list of strings, "
            f"got {candidates!r}"
        )
    n = value.get("n_chosen")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= len(candidates)):
        raise SearchSpaceError(
            f"search space key {key!r}: `input_choice` n_chosen must be null or an integer from 0 to "
            f"{len(candidates)} (the number of candidates), got {n!r}"
        )
    return InputChoice(key, tuple(candidates), n)


def _str_list(key: str, layer: str, field_name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SearchSpaceError(
            f"search space key {key!r}: layer {layer!r} `{field_name}` must be a list of strings"
        )
    return tuple(value)


def _parse_mutable(key: str, value: Any) -> MutableLayer:
    if not isinstance(value, Mapping) or not value:
        raise SearchSpaceError(
            f"search space key {key!r}: `mutable_layer` needs an object of layers, got {value!r}"
        )
    layers = []
    for name, spec in value.items():
        if not isinstance(spec, Mapping):
            raise SearchSpaceError(f"search space key {key!r}: layer {name!r} must be an object")
        unknown = set(spec) - {"layer_choice", "optional_inputs", "optional_input_size", "fixed_inputs"}
        if unknown:
            raise SearchSpaceError(
                f"search space key {key!r}: layer {name!r} has unknown field(s) {sorted(unknown)}"
            )
        choices = _str_list(key, name, "layer_choice", spec.get("layer_choice"))
        if not choices:
            raise SearchSpaceError(
                f"search space key {key!r}: layer {name!r} needs at least one layer_choice"
            )
        optional = _str_list(key, name, "optional_inputs", spec.get("optional_inputs", []))
        fixed = _str_list(key, name, "fixed_inputs", spec.get("fixed_inputs", []))
        size = spec.get("optional_input_size", 0)
        if (
            isinstance(size, (list, tuple))
            and len(size) == 2
            and all(isinstance(s, int) and not isinstance(s, bool) for s in size)
        ):
            size = (size[0], size[1])
        elif not isinstance(size, int) or isinstance(size, bool):
            raise SearchSpaceError(
                f"search space key {key!r}: layer {name!r} `optional_input_size` must be an int or [min, max], "
                f"got {size!r}"
            )
        problem = layer_size_problem(size, len(optional))
        if problem:
            raise SearchSpaceError(f"search space key {key!r}: layer {name!r}: {problem}")
        layers.append(Layer(str(name), choices, optional, size, fixed))
    return MutableLayer(key, tuple(layers))


def short_names(keys: list[str]) -> dict[str, str]:
    """Map each full key to the shortest unambiguous name.

    ``train/lr/choice`` becomes ``lr`` when no other key's name part is ``lr``; otherwise the module is
    kept (``train/lr``), and the full key is used when even that is ambiguous. Keys that are not in the
    ``module/name/sampler`` form (plain NNI spaces) are their own short names.
    """

    def candidates(key: str) -> list[str]:
        parts = key.split("/")
        if len(parts) == 3:
            return [parts[1], f"{parts[0]}/{parts[1]}", key]
        if len(parts) == 2 and parts[1].startswith("mutable_block_"):
            return [parts[1], key]
        return [key]

    options = {k: candidates(k) for k in keys}
    # How many keys offer each candidate (a key's own candidates differ in length, so never repeat):
    # one counting pass, so that tens of thousands of keys stay cheap.
    offered = Counter(chain.from_iterable(options.values()))
    names = {}
    for key, cands in options.items():
        names[key] = key
        for cand in cands:
            if offered[cand] == 1:
                names[key] = cand
                break
    return names

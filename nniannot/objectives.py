"""What an experiment optimises: one or more objectives (keys of the reported final result, each maximised
or minimised), constraints on reported keys, and a reference point for the hypervolume.

Written as ``--objective accuracy:max --objective size_mb:min --constraint "latency_ms <= 20"`` on the command
line, or in YAML::

    objectives:
      - accuracy: max          # or {key: accuracy, direction: max}, or "accuracy:max"
      - size_mb: min
    constraints:
      - latency_ms <= 20       # or {key: latency_ms, op: "<=", bound: 20}
    reference_point: [0.0, 50.0]   # in the objectives' own units and order (optional)

A trial reporting a plain number reports the key ``default``. :meth:`Objectives.evaluate` turns a final result
into the numbers the tuner and the Pareto set use, or says what is wrong with it. Stdlib only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nniannot.errors import ConfigError

DIRECTIONS = {
    "max": "maximize",
    "maximize": "maximize",
    "maximise": "maximize",
    "min": "minimize",
    "minimize": "minimize",
    "minimise": "minimize",
}
OPERATORS = ("<=", ">=", "<", ">")
_CONSTRAINT = re.compile(
    r"^\s*(?P<key>[^<>=\s][^<>=]*?)\s*(?P<op><=|>=|<|>|==|=)\s*(?P<bound>[^<>=\s].*?)\s*$"
)


@dataclass(frozen=True)
class Objective:
    """A key of the final result and whether it is maximised or minimised."""

    key: str
    direction: str  # "maximize" or "minimize"

    @property
    def sign(self) -> float:
        """The factor that turns the value into a loss (minimised)."""
        return -1.0 if self.direction == "maximize" else 1.0

    def text(self) -> str:
        return f"{self.key}:{'max' if self.direction == 'maximize' else 'min'}"


@dataclass(frozen=True)
class Constraint:
    """``key op bound``: a trial whose final result breaks it is infeasible."""

    key: str
    op: str  # one of OPERATORS
    bound: float

    def violation(self, value: float) -> float:
        """How far ``value`` is on the wrong side (0 when the constraint holds). A strict inequality met with
        equality counts as a violation of the smallest positive amount."""
        over = value - self.bound if self.op in ("<=", "<") else self.bound - value
        if over > 0:
            return over
        if over == 0 and self.op in ("<", ">"):
            return math.ulp(0.0)
        return 0.0

    def text(self) -> str:
        return f"{self.key} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class Evaluation:
    """A final result seen through the objectives. ``problem`` set: the result cannot be used (then the
    other fields are empty and the trial's record says why)."""

    values: tuple[float, ...]  # the objectives' values as reported, in declaration order
    losses: tuple[float, ...]  # the same with each direction applied: every coordinate is minimised
    violation: float  # the sum of the constraints' violations; > 0 means infeasible
    problem: str | None = None

    @property
    def feasible(self) -> bool:
        return self.problem is None and not self.violation > 0


@dataclass(frozen=True)
class Objectives:
    """The objectives of an experiment, its constraints and its reference point (None: derived)."""

    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...] = ()
    reference_point: tuple[float, ...] | None = None

    @property
    def multi(self) -> bool:
        """More than one objective: the result of the experiment is a Pareto set, not one best trial."""
        return len(self.objectives) > 1

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.objectives)

    @property
    def first(self) -> Objective:
        return self.objectives[0]

    def evaluate(self, result: Any) -> Evaluation:
        """The objectives' values of a final ``result`` (a number, meaning key ``default``, or a dict), the
        losses, and the constraint violation; or the problem that makes it unusable."""
        values = []
        for objective in self.objectives:
            value, problem = _entry(result, objective.key, "objective")
            if problem is not None:
                return Evaluation((), (), 0.0, problem)
            values.append(value)
        violation = 0.0
        for constraint in self.constraints:
            value, problem = _entry(result, constraint.key, f"constraint '{constraint.text()}'")
            if problem is not None:
                return Evaluation((), (), 0.0, problem)
            violation += constraint.violation(value)
        losses = tuple(o.sign * v for o, v in zip(self.objectives, values, strict=True))
        return Evaluation(tuple(values), losses, violation)

    def reference_losses(self) -> tuple[float, ...] | None:
        """The reference point as losses (directions applied), or None when it is to be derived."""
        if self.reference_point is None:
            return None
        return tuple(o.sign * r for o, r in zip(self.objectives, self.reference_point, strict=True))

    def to_config(self) -> dict[str, Any]:
        """The JSON-able form kept in the experiment's configuration (read back by :func:`from_config`)."""
        out: dict[str, Any] = {
            "objectives": [{"key": o.key, "direction": o.direction} for o in self.objectives]
        }
        if self.constraints:
            out["constraints"] = [{"key": c.key, "op": c.op, "bound": c.bound} for c in self.constraints]
        if self.reference_point is not None:
            out["reference_point"] = list(self.reference_point)
        return out


def _entry(result: Any, key: str, what: str) -> tuple[float, str | None]:
    if isinstance(result, dict):
        if key not in result:
            shown = ", ".join(repr(k) for k in list(result)[:8]) + (", ..." if len(result) > 8 else "")
            return (
                math.nan,
                f"the final result has no {key!r} entry for the {what} (it has {shown or 'none'})",
            )
        value = result[key]
    elif key == "default":
        value = result
    else:
        return math.nan, (
            f"the final result is a single number, but the {what} needs its {key!r} entry: "
            f"report a dict such as {{{key!r}: ...}}"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan, f"the {what} needs a number in {key!r}, but the final result has {_short(value)}"
    number = float(value)
    if not math.isfinite(number):
        return math.nan, f"the {what} needs a finite number in {key!r}, but the final result has {number!r}"
    return number, None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_objective(spec: Any, where: str = "objective") -> Objective:
    """``"accuracy:max"``, ``{"accuracy": "max"}`` or ``{"key": "accuracy", "direction": "max"}``."""
    if isinstance(spec, str):
        key, sep, direction = spec.rpartition(":")
        if not sep:
            raise ConfigError(f"{where}: {spec!r} needs a direction: write KEY:max or KEY:min")
    elif isinstance(spec, dict) and set(spec) <= {"key", "direction"} and "key" in spec:
        key, direction = spec["key"], spec.get("direction", "")
    elif isinstance(spec, dict) and len(spec) == 1:
        ((key, direction),) = spec.items()
    else:
        raise ConfigError(
            f"{where}: expected KEY:max, KEY:min or {{key: KEY, direction: max}}, but got {spec!r}"
        )
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"{where}: the key must be a non-empty string, but got {key!r}")
    normal = DIRECTIONS.get(str(direction).strip().lower())
    if normal is None:
        raise ConfigError(
            f"{where}: unknown direction {direction!r} for {key.strip()!r}: use max or min "
            "(maximize, minimize)"
        )
    return Objective(key.strip(), normal)


def parse_constraint(spec: Any, where: str = "constraint") -> Constraint:
    """``"latency_ms <= 20"`` (operators <=, >=, <, >) or ``{"key": ..., "op": ..., "bound": ...}``."""
    if isinstance(spec, dict):
        if set(spec) != {"key", "op", "bound"}:
            raise ConfigError(
                f"{where}: a constraint mapping needs exactly key, op and bound, but got {spec!r}"
            )
        key, op, bound = spec["key"], spec["op"], spec["bound"]
    elif isinstance(spec, str):
        match = _CONSTRAINT.match(spec)
        if match is None:
            raise ConfigError(f"{where}: {spec!r} does not parse: write KEY <= NUMBER (or >=, <, >)")
        key, op, bound = match["key"], match["op"], match["bound"]
    else:
        raise ConfigError(f"{where}: expected a string such as 'latency_ms <= 20', but got {spec!r}")
    if op not in OPERATORS:
        raise ConfigError(f"{where}: operator {op!r} is not one of {', '.join(OPERATORS)} (in {spec!r})")
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"{where}: the key must be a non-empty string (in {spec!r})")
    try:
        number = float(bound) if not isinstance(bound, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ConfigError(f"{where}: the bound {bound!r} must be a finite number (in {spec!r})")
    return Constraint(key.strip(), op, number)


def build(
    objectives: Sequence[Any],
    constraints: Sequence[Any] = (),
    reference_point: Sequence[Any] | None = None,
    where: str = "",
    default_direction: str = "maximize",
) -> Objectives | None:
    """Objectives from their written forms (CLI strings, YAML items); None when none is declared and there
        is no constraint (the experiment ranks by ``default`` as always). Constraints without objectives constrain
    the ``default`` key, optimised in ``default_direction``. ConfigError for anything wrong."""
    prefix = f"{where}: " if where else ""
    parsed = [parse_objective(s, f"{prefix}objective {i + 1}") for i, s in enumerate(objectives)]
    seen: set[str] = set()
    for o in parsed:
        if o.key in seen:
            raise ConfigError(f"{prefix}objective {o.key!r} is declared twice")
        seen.add(o.key)
    rules = tuple(parse_constraint(s, f"{prefix}constraint {i + 1}") for i, s in enumerate(constraints))
    if not parsed:
        if reference_point is not None:
            raise ConfigError(f"{prefix}a reference point needs objectives (--objective KEY:max|min)")
        if not rules:
            return None
        parsed = [Objective("default", DIRECTIONS.get(default_direction, "maximize"))]
    ref = None
    if reference_point is not None:
        items = list(reference_point)
        if len(items) != len(parsed):
            raise ConfigError(
                f"{prefix}the reference point has {len(items)} value(s), but there are {len(parsed)} "
                f"objective(s) ({', '.join(o.key for o in parsed)})"
            )
        try:
            ref = tuple(float(x) for x in items if not isinstance(x, bool))
        except (TypeError, ValueError):
            ref = ()
        if len(ref) != len(items) or not all(math.isfinite(x) for x in ref):
            raise ConfigError(f"{prefix}the reference point must be finite numbers, but got {items!r}")
    return Objectives(tuple(parsed), rules, ref)


def from_config(config: Any) -> Objectives | None:
    """The objectives kept in an experiment's configuration by :meth:`Objectives.to_config` (None if absent
    or unreadable: a store written before objectives existed)."""
    if not isinstance(config, dict) or not config.get("objectives"):
        return None
    try:
        return build(config["objectives"], config.get("constraints") or (), config.get("reference_point"))
    except ConfigError:
        return None

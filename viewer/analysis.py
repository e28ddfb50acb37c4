"""Chart data computed on the server: sampling, best-so-far history, parameter importance.

Every function takes the experiment's :class:`~nniannot.runner.store.TrialPoint` rows (seq order) and returns plain
JSON-ready values, so a page of a 20,000-trial experiment gets a few thousand points, not all of them.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from nniannot.runner.store import TrialPoint

BINS = 8  # numeric parameters with more distinct values are binned by quantile for importance


def usable(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def sign(optimize_mode: str) -> float:
    """+1 when larger metrics are better, -1 when smaller are."""
    return -1.0 if optimize_mode == "minimize" else 1.0


def sample(points: list[TrialPoint], limit: int, optimize_mode: str) -> list[TrialPoint]:
    """At most ``limit`` points in seq order: the best quarter of the budget by metric, then an even
    stride through the rest, so charts keep the top trials exactly and the overall shape approximately."""
    if len(points) <= limit:
        return points
    s = sign(optimize_mode)
    ranked = sorted((p for p in points if usable(p.final_default)), key=lambda p: -s * p.final_default)  # type: ignore[operator]
    keep = {p.seq for p in ranked[: limit // 4]}
    rest = [p for p in points if p.seq not in keep]
    step = len(rest) / max(1, limit - len(keep))
    keep.update(rest[int(i * step)].seq for i in range(limit - len(keep)) if int(i * step) < len(rest))
    return [p for p in points if p.seq in keep]


def best_history(points: list[TrialPoint], optimize_mode: str) -> list[list[Any]]:
    """``[seq, best value so far, trial id]`` at each trial that improved on the best (exact, compact)."""
    s, best, out = sign(optimize_mode), None, []
    for p in points:
        if usable(p.final_default) and (best is None or s * p.final_default > s * best):  # type: ignore[operator]
            best = p.final_default
            out.append([p.seq, best, p.id])
    return out


def axis_value(value: Any) -> Any:
    """A parameter value as one chart axis value: nested choices by name, other structures as JSON text."""
    if isinstance(value, dict) and "_name" in value:
        return value["_name"]
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def axes_of(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chart axes for the search-space columns; a mutable_layer key gives one axis per layer (its choice)."""
    axes = []
    for col in columns:
        if col["type"] == "mutable_layer":
            for layer, spec in (col.get("layers") or {}).items():
                options = spec.get("layer_choice", []) if isinstance(spec, dict) else []
                axes.append({"key": col["key"], "layer": layer, "name": f"{col['short']}/{layer}",
                             "type": "choice", "log": False, "options": options})  # fmt: skip
        else:
            axes.append({"key": col["key"], "layer": None, "name": col["short"], "type": col["type"],
                         "log": col["log"], "options": col.get("options")})  # fmt: skip
    return axes


def axis_values(points: list[TrialPoint], axis: dict[str, Any]) -> list[Any]:
    """The value of ``axis`` for every point (None where a trial has no value)."""
    key, layer = axis["key"], axis["layer"]
    if layer is None:
        return [axis_value(p.params.get(key)) for p in points]
    out = []
    for p in points:
        chosen = p.params.get(key)
        entry = chosen.get(layer) if isinstance(chosen, dict) else None
        out.append(entry.get("chosen_layer") if isinstance(entry, dict) else None)
    return out


def _groups(values: list[Any], bins: int) -> np.ndarray:
    """Group labels for importance: distinct values, or quantile bins for many distinct numbers."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and len(set(values)) > bins:
        x = np.asarray(values, dtype=float)
        edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
        return np.searchsorted(edges, x, side="right")
    index: dict[Any, int] = {}
    scalar = (str, int, float, bool, type(None))
    keys = (
        (type(v), v) if isinstance(v, scalar) else json.dumps(v, sort_keys=True, default=str) for v in values
    )
    return np.asarray([index.setdefault(k, len(index)) for k in keys])


def omega_squared(y: np.ndarray, labels: np.ndarray) -> float:
    """The share of ``y``'s variance explained by the groups, corrected for their number (0 if unknown).

    Plain eta squared reaches 1 whenever every trial is its own group; omega squared does not.
    """
    groups = np.unique(labels)
    n, k = len(y), len(groups)
    if k < 2 or n <= k:
        return 0.0
    total = float(((y - y.mean()) ** 2).sum())
    between = sum(float((labels == g).sum() * (y[labels == g].mean() - y.mean()) ** 2) for g in groups)
    within_mean = (total - between) / (n - k)
    if total <= 0:
        return 0.0
    return max(0.0, (between - (k - 1) * within_mean) / (total + within_mean))


def importance(
    points: list[TrialPoint], axes: list[dict[str, Any]], values: dict[str, list[Any]] | None = None
) -> list[dict[str, Any]]:
    """Per axis, the share of the metric's variance its values explain (omega squared, 0..1), best first.

    ``values`` may give each axis's values for ``points`` (by axis name) when already computed. Numeric axes
    with many values are cut into quantile bins of about five trials or more. Uses every trial with a
    finite final metric; needs at least 3 of them (else an empty list).
    """
    keep = [i for i, p in enumerate(points) if usable(p.final_default)]
    if len(keep) < 3:
        return []
    y = np.asarray([points[i].final_default for i in keep], dtype=float)
    bins = max(2, min(BINS, len(keep) // 5))
    out = []
    for axis in axes:
        column = values[axis["name"]] if values is not None else axis_values(points, axis)
        labels = _groups([column[i] for i in keep], bins)
        out.append({"name": axis["name"], "key": axis["key"], "importance": omega_squared(y, labels)})
    return sorted(out, key=lambda a: -a["importance"])

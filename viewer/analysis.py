"""Chart data computed on the server: sampling, best-so-far history, parameter importance.

Every function takes the experiment's :class:`~nniannot.runner.store.TrialPoint` rows (seq order) and returns plain
JSON-ready values, so a page of a 20,000-trial experiment gets a few thousand points, not all of them.
"""

from __future__ import annotations

import heapq
import json
import math
from typing import Any

import numpy as np

from nniannot.runner.store import FINISHED_STATUSES, TrialPoint

BINS = 8  # numeric parameters with more distinct values are binned by quantile for importance
RESAMPLES = 30  # bootstrap resamples behind the importance band
BAND_TRIALS = (
    2000  # trials each bootstrap resample draws (the band of a bigger experiment is as wide or wider)
)
IMPORTANCE_TRIALS = 10_000  # importance of a bigger experiment rests on an even sample of this many trials


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
    s, isfinite = sign(optimize_mode), math.isfinite
    scored = [(s * v, -i) for i, p in enumerate(points) if (v := p.final_default) is not None and isfinite(v)]
    keep = {-i for _, i in heapq.nlargest(limit // 4, scored)}  # ties: the earlier trial
    rest = [i for i in range(len(points)) if i not in keep]
    step = len(rest) / max(1, limit - len(keep))
    keep.update(rest[int(k * step)] for k in range(limit - len(keep)) if int(k * step) < len(rest))
    return [points[i] for i in sorted(keep)]


def even_sample(points: list[TrialPoint], limit: int) -> list[TrialPoint]:
    """At most ``limit`` of ``points``, an even stride through them in their order."""
    if len(points) <= limit:
        return points
    step = len(points) / limit
    return [points[int(k * step)] for k in range(limit)]


def rated(points: list[TrialPoint]) -> list[TrialPoint]:
    """The points with a finite final metric."""
    isfinite = math.isfinite
    return [p for p in points if (v := p.final_default) is not None and isfinite(v)]


def with_params(points: list[TrialPoint], params: dict[int, dict[str, Any]]) -> list[TrialPoint]:
    """``points`` carrying the parameters ``params`` gives for their seq (points read without them)."""
    return [p._replace(params=params.get(p.seq, {})) for p in points]


def best_history(points: list[TrialPoint], optimize_mode: str) -> list[list[Any]]:
    """``[seq, best value so far, trial id]`` at each trial that improved on the best (exact, compact)."""
    s, best, out = sign(optimize_mode), None, []
    for p in points:
        if usable(p.final_default) and (best is None or s * p.final_default > s * best):  # type: ignore[operator]
            best = p.final_default
            out.append([p.seq, best, p.id])
    return out


def best_over_time(points: list[TrialPoint], optimize_mode: str, origin: float | None) -> list[list[Any]]:
    """``[seconds since origin, best value so far, trial id]`` at each improvement, in the order trials ended
    (a trial counts when its result is in, so a slow early trial improves the curve late)."""
    if origin is None:
        return []
    s, best, out = sign(optimize_mode), None, []
    ended = sorted(
        (p for p in points if usable(p.final_default) and p.ended_at is not None),
        key=lambda p: p.ended_at or 0.0,
    )
    for p in ended:
        if best is None or s * p.final_default > s * best:  # type: ignore[operator]
            best = p.final_default
            out.append([p.ended_at - origin, best, p.id])  # type: ignore[operator]
    return out


def last_finished(points: list[TrialPoint]) -> int | None:
    """The seq of the last trial that has finished (in any way), so best-so-far is drawn up to it."""
    return max((p.seq for p in points if p.status in FINISHED_STATUSES), default=None)


def metric_points(points: list[TrialPoint], limit: int) -> list[list[Any]]:
    """``[seq, metric, trial id]`` of the trials with a finite metric, at most ``limit`` of them (an even
    stride, the best trials of the stride included by :func:`sample` elsewhere), to draw behind best-so-far."""
    usable_points = [p for p in points if usable(p.final_default)]
    if len(usable_points) > limit:
        step = len(usable_points) / limit
        usable_points = [usable_points[int(i * step)] for i in range(limit)]
    return [[p.seq, p.final_default, p.id] for p in usable_points]


def axis_value(value: Any) -> Any:
    """A parameter value as one chart axis value: nested choices by name, other structures as JSON text."""
    if isinstance(value, dict) and "_name" in value:
        return value["_name"]
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


INTEGER_TYPES = frozenset({"randint"})
# Types whose _value is [low, high] (normal types give mu, sigma instead).
RANGED_TYPES = frozenset({"randint", "uniform", "quniform", "loguniform", "qloguniform"})


def layer_label(short: str, layer: str) -> str:
    """A compact, distinct axis label for one layer of a mutable block: ``block 9 · layer 0``."""
    return f"{short.replace('mutable_block_', 'block ')} · {layer.replace('mutable_layer_', 'layer ')}"


def axes_of(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chart axes for the search-space columns; a mutable_layer key gives one axis per layer (its choice).

    ``range`` is the search space's bounds of a numeric parameter (charts draw the axis over them),
    ``integer`` says its values are whole numbers (no ticks between them), ``label`` is what to print.
    """
    axes = []
    for col in columns:
        if col["type"] == "mutable_layer":
            for layer, spec in (col.get("layers") or {}).items():
                options = spec.get("layer_choice", []) if isinstance(spec, dict) else []
                axes.append({"key": col["key"], "layer": layer, "name": f"{col['short']}/{layer}",
                             "label": layer_label(col["short"], layer), "type": "choice", "log": False,
                             "options": options, "range": None, "integer": False})  # fmt: skip
        else:
            bounds = col.get("range")
            numeric = isinstance(bounds, list) and all(isinstance(b, (int, float)) for b in bounds)
            axes.append({"key": col["key"], "layer": None, "name": col["short"], "label": col["short"],
                         "type": col["type"], "log": col["log"], "options": col.get("options"),
                         "range": bounds if numeric and col["type"] in RANGED_TYPES else None,
                         "integer": col["type"] in INTEGER_TYPES})  # fmt: skip
    return axes


def axis_values(points: list[TrialPoint], axis: dict[str, Any]) -> list[Any]:
    """The value of ``axis`` for every point (None where a trial has no value)."""
    key, layer = axis["key"], axis["layer"]
    if layer is None:
        raw = [p.params.get(key) for p in points]
        if set(map(type, raw)) <= _PLAIN:  # the usual case: no structure to name or encode
            return raw
        return [axis_value(v) for v in raw]
    out = []
    for p in points:
        chosen = p.params.get(key)
        entry = chosen.get(layer) if isinstance(chosen, dict) else None
        out.append(entry.get("chosen_layer") if isinstance(entry, dict) else None)
    return out


_PLAIN = frozenset({int, float, str, bool, type(None)})


def _groups(values: list[Any], bins: int) -> np.ndarray:
    """Group labels for importance: distinct values, or quantile bins for many distinct numbers."""
    types = set(map(type, values))
    numeric = types <= {int, float}
    if len(types) == 1 and types <= _PLAIN and not (numeric and len(set(values)) > bins):
        # One plain type: its distinct values are the groups (labels by a dictionary lookup in C).
        distinct = {v: i for i, v in enumerate(dict.fromkeys(values))}
        return np.fromiter(map(distinct.__getitem__, values), dtype=np.int64, count=len(values))
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
    ``labels`` are small non-negative integers (as :func:`_groups` gives).
    """
    counts = np.bincount(labels)
    present = counts > 0
    n, k = len(y), int(present.sum())
    if k < 2 or n <= k:
        return 0.0
    total = float(((y - y.mean()) ** 2).sum())
    if total <= 0:
        return 0.0
    means = np.bincount(labels, weights=y)[present] / counts[present]
    between = float((counts[present] * (means - y.mean()) ** 2).sum())
    within_mean = (total - between) / (n - k)
    return max(0.0, (between - (k - 1) * within_mean) / (total + within_mean))


def _shares(raw: np.ndarray) -> np.ndarray:
    """``raw`` effects scaled to sum to 1 (all zero when no parameter explains anything)."""
    total = float(raw.sum())
    return raw / total if total > 0 else np.zeros_like(raw)


def importance(
    points: list[TrialPoint], axes: list[dict[str, Any]], values: dict[str, list[Any]] | None = None
) -> dict[str, Any]:
    """How much each axis matters: its omega squared (the share of the metric's variance its values explain
    on their own, corrected for the number of groups), normalised so the axes' importances sum to 1.

    Returns ``{"trials": n, "axes": [...]}``, best first; per axis ``importance`` (0..1, summing to 1 over the
    axes unless all are 0), ``low`` and ``high`` (the 10th and 90th percentiles over bootstrap resamples of
    the trials), ``omega2`` (the raw effect) and ``smallest_group`` (the trials behind its least-tried value).
    ``values`` may give each axis's values for ``points`` (by axis name) when already computed. Numeric axes
    with many values are cut into quantile bins of about five trials or more. Uses every trial with a finite
    final metric; needs at least 3 of them (else no axes).
    """
    keep = [i for i, p in enumerate(points) if usable(p.final_default)]
    if len(keep) < 3 or not axes:
        return {"trials": len(keep), "axes": []}
    y = np.asarray([points[i].final_default for i in keep], dtype=float)
    bins = max(2, min(BINS, len(keep) // 5))
    labels = []
    for axis in axes:
        column = values[axis["name"]] if values is not None else axis_values(points, axis)
        labels.append(_groups([column[i] for i in keep], bins))
    raw = np.asarray([omega_squared(y, g) for g in labels])
    shares = _shares(raw)
    rng = np.random.default_rng(0)
    draws = np.empty((RESAMPLES, len(axes)))
    for r in range(RESAMPLES):
        pick = rng.integers(0, len(y), size=min(len(y), BAND_TRIALS))
        draws[r] = _shares(np.asarray([omega_squared(y[pick], g[pick]) for g in labels]))
    low, high = np.percentile(draws, 10, axis=0), np.percentile(draws, 90, axis=0)
    out = [
        {"name": axis["name"], "key": axis["key"], "importance": float(shares[j]), "low": float(low[j]),
         "high": float(high[j]), "omega2": float(raw[j]), "smallest_group": int(np.bincount(labels[j])[np.bincount(labels[j]) > 0].min())}
        for j, axis in enumerate(axes)
    ]  # fmt: skip
    return {"trials": len(keep), "axes": sorted(out, key=lambda a: -a["importance"])}

"""What the model-based tuners share for multi-objective and constrained experiments.

:class:`MultiObjective` is a mixin for an :class:`~nniannot.runner.tuners.model.EncodedTuner`: it keeps each
finished trial's loss vector and constraint violation beside the scalar loss the single-objective model
reads (the first objective; +inf when the trial is infeasible or unusable), and says when the
multi-objective model must take over (:attr:`MultiObjective.multi_active`: several objectives, or a
violation seen). The helpers below turn the history into what MOTPE, ParEGO and NSGA-II select on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nniannot import pareto
from nniannot.errors import TunerError
from nniannot.runner.tuners.model import EncodedTuner
from nniannot.runner.tuners.spaces import config_key


class MultiObjective(EncodedTuner):
    """The bookkeeping of :meth:`observe_vector`; a subclass dispatches on :attr:`multi_active`."""

    supports_multi_objective = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # one entry per finished trial, in the order of ``X`` and ``y``
        self._mo_losses: list[np.ndarray] = []
        self._mo_violations: list[float] = []
        self._mo_seen_violation = False

    def set_objectives(self, count: int) -> None:
        if int(count) < 1:
            raise TunerError(f"{type(self).__name__}: at least one objective is needed, but got {count!r}")
        if int(count) != self.n_objectives:
            # results seen before (a resumed experiment) cannot be read as vectors of the new width
            self._mo_losses = [np.full(int(count), np.nan) for _ in self._mo_losses]
        self.n_objectives = int(count)

    @property
    def multi_active(self) -> bool:
        """Several objectives, or constraints that have been violated: the multi-objective model is used."""
        return self.n_objectives > 1 or self._mo_seen_violation

    def observe_vector(
        self,
        trial_id: str,
        params: dict[str, Any],
        losses: Sequence[float],
        violation: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        vector = np.full(self.n_objectives, np.nan)
        given = np.array([_number(v) for v in list(losses)[: self.n_objectives]], dtype=float)
        vector[: len(given)] = given
        if not np.isfinite(vector).all():
            vector[:] = np.nan
        v = _number(violation)
        v = 0.0 if not math.isfinite(v) or v <= 0 else v
        if v > 0:
            self._mo_seen_violation = True
        x = self._pending.pop(trial_id, None)
        if x is None:
            x = self.encoding.encode(params)
            self._seen.add(config_key(params))
        self._xs.append(x)
        first = float(vector[0])
        self._losses.append(first if math.isfinite(first) and v == 0 else math.inf)
        self._mo_losses.append(vector)
        self._mo_violations.append(v)

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        super().observe(trial_id, params, value)
        # a scalar result is the only objective's loss; with several objectives it is unusable
        last = self._losses[-1]
        usable = self.n_objectives == 1 and math.isfinite(last)
        self._mo_losses.append(np.full(self.n_objectives, last if usable else np.nan))
        self._mo_violations.append(0.0)

    # -- what the multi-objective models read ---------------------------------------------------------
    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X, Y, violation)`` of the finished trials (Y: a NaN row for an unusable result)."""
        Y = np.array(self._mo_losses, dtype=float).reshape(-1, self.n_objectives)
        return self.X, Y, np.array(self._mo_violations, dtype=float)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def ranks(Y: np.ndarray, violation: np.ndarray) -> np.ndarray:
    """Deb's constrained ranks of the rows of ``Y``; unusable rows (NaN) after every other."""
    usable = np.isfinite(Y).all(axis=1)
    out = np.zeros(len(Y), dtype=int)
    idx = np.flatnonzero(usable)
    if len(idx):
        r = pareto.constrained_ranks([tuple(row) for row in Y[idx]], [float(v) for v in violation[idx]])
        out[idx] = r
        out[~usable] = max(r) + 1
    return out


def normalised(Y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``Y`` scaled so the finite values of ``rows`` span ``[0, 1]`` in every coordinate."""
    ref = Y[rows]
    lo, hi = ref.min(axis=0), ref.max(axis=0)
    return (Y - lo) / np.where(hi - lo > 1e-12, hi - lo, 1.0)


def crowding(Y: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its front (inf for the extremes)."""
    n, m = Y.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(Y[:, k], kind="stable")
        span = Y[order[-1], k] - Y[order[0], k]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (Y[order[2:], k] - Y[order[:-2], k]) / span
    return dist


def select_by_rank(
    Y: np.ndarray, violation: np.ndarray, k: int, tie_break: str = "hypervolume"
) -> np.ndarray:
    """Indices of the ``k`` best rows: whole ranks first; the last rank partly, by greedy hypervolume
    contribution (``"hypervolume"``) or crowding distance (``"crowding"``). Unusable rows come last."""
    r = ranks(Y, violation)
    order = np.argsort(r, kind="stable")
    chosen: list[int] = []
    for rank in np.unique(r[order]):
        members = order[r[order] == rank]
        if len(chosen) + len(members) <= k:
            chosen.extend(int(i) for i in members)
            continue
        need = k - len(chosen)
        usable = np.isfinite(Y[members]).all(axis=1).all() and not (violation[members] > 0).any()
        if need > 0 and usable and len(members) > need:
            chosen.extend(int(i) for i in _tie_break(Y, members, need, tie_break))
        elif need > 0:
            chosen.extend(int(i) for i in members[:need])
        break
    return np.array(chosen, dtype=int)


def _tie_break(Y: np.ndarray, members: np.ndarray, need: int, how: str) -> np.ndarray:
    pts = normalised(Y, members)[members]
    if how == "crowding":
        d = crowding(pts)
        return members[np.argsort(-d, kind="stable")[:need]]
    # drop the least contributors (a quarter of the excess at a time, the last ones singly): what stays
    # covers the most hypervolume
    keep = np.arange(len(members))
    while len(keep) > need:
        drop = max(1, (len(keep) - need) // 4)
        keep = np.delete(keep, np.argsort(contributions(pts[keep]), kind="stable")[:drop])
    return members[keep]


def contributions(pts: np.ndarray, ref: float = 1.1, n_samples: int = 4096) -> np.ndarray:
    """What each row of ``pts`` (normalised to about ``[0, 1]``) alone adds to the hypervolume bounded by
    ``ref`` in every coordinate: exact for two objectives, else a fixed-seed Monte Carlo estimate (the
    exact slicing is too slow to run at every suggestion with three objectives and dozens of points)."""
    pts = np.minimum(np.asarray(pts, dtype=float), ref)
    n, m = pts.shape
    if n == 0:
        return np.zeros(0)
    if m == 1:
        out = np.zeros(n)
        order = np.argsort(pts[:, 0], kind="stable")
        second = pts[order[1], 0] if n > 1 else ref
        out[order[0]] = second - pts[order[0], 0]
        return out
    if m == 2:
        order = np.lexsort((pts[:, 1], pts[:, 0]))
        x, y = pts[order, 0], pts[order, 1]
        out = np.zeros(n)
        best_y = np.minimum.accumulate(y)
        # a point adds something only if it is strictly below every earlier one in the second coordinate
        alive = np.concatenate([[True], y[1:] < best_y[:-1]])
        idx = np.flatnonzero(alive)
        xs, ys = x[idx], y[idx]
        right = np.concatenate([xs[1:], [ref]])
        up = np.concatenate([[ref], ys[:-1]])
        out[order[idx]] = np.maximum(right - xs, 0) * np.maximum(up - ys, 0)
        return out
    rng = np.random.default_rng(0)
    lo = pts.min(axis=0)
    samples = lo + rng.random((n_samples, m)) * (ref - lo)
    dominated = (pts[None, :, :] <= samples[:, None, :]).all(axis=2)  # (S, n)
    alone = dominated.sum(axis=1) == 1
    counts = dominated[alone].sum(axis=0).astype(float)
    return counts * float(np.prod(ref - lo)) / n_samples


def contribution_weights(Y: np.ndarray) -> np.ndarray:
    """Weights in ``(0, 1]`` for the rows of ``Y`` (a selection): their normalised hypervolume
    contributions, floored so that a dominated or duplicated member keeps some weight."""
    if len(Y) == 1:
        return np.ones(1)
    contrib = contributions(normalised(Y, np.arange(len(Y))))
    if not contrib.max() > 0:
        return np.ones(len(Y))
    return np.maximum(contrib / contrib.max(), 0.1)

"""Multi-objective GP-BO by expected hypervolume improvement (EHVI), exact for independent objectives.

One GP per objective on that objective's warped losses (the single-objective GP-BO's model, fit and
warm start). The region that the current front does not dominate, below a reference point, is cut into
disjoint boxes ``[l, u]`` (:func:`box_decomposition`); a new point ``y`` adds
``sum_k prod_j max(0, u_kj - max(l_kj, y_j))`` of hypervolume. With independent Gaussian posteriors the
expectation of each box's product is the product of one-dimensional expectations, and
``E[max(0, u - max(l, Y))] = sigma (h(z_u) - h(z_l))`` with ``h(z) = phi(z) + z Phi(z)`` and
``z_b = (b - mu) / sigma`` (Emmerich et al., 2006; Yang et al., 2019). Its log is maximised (log-sum-exp
over the boxes, a stable log of the difference of ``h``), with an analytic gradient, by the same mixed-space
optimiser as log EI.

Running trials are added to every GP at their predicted means and to the front (Kriging believer), so a
batch of parallel suggestions spreads along the front. The reference point in the model's coordinates is,
with two objectives, the worst value seen of each plus a tenth of its range (the extremes of the front keep
value); with more, the front's own worst plus a tenth of the front's range (see :meth:`Ehvi.propose`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import log_ndtr

from nniannot import pareto
from nniannot.runner.tuners.encoding import Encoding
from nniannot.runner.tuners.gp_acq import AcquisitionOptimizer, log_h
from nniannot.runner.tuners.gp_model import GaussianProcess, spread_subset, warm_fit
from nniannot.runner.tuners.multi import MultiObjective, contributions, normalised, ranks

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# with three or more objectives the boxes grow as |front|^(m-1): the front is cut to its best contributors
_MAX_FRONT = {2: 10_000, 3: 40}
_MAX_FRONT_HIGHER = 12
_CHUNK = 256


def front_of(Z: np.ndarray) -> np.ndarray:
    """The non-dominated rows of ``Z`` (minimised), without duplicates."""
    idx = pareto.pareto_front([tuple(r) for r in Z])
    return np.unique(Z[idx], axis=0)


def box_decomposition(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes ``(lower, upper)``, each ``(K, m)``, whose union is the part of ``{y <= ref}`` that no
    row of ``front`` dominates (lower bounds may be ``-inf``).

    The first ``m - 1`` coordinates are cut by a grid through every front coordinate; within a cell with
    lower corner ``c`` the non-dominated part is ``y_m < min{p_m : p_1..m-1 <= c}`` (``ref_m`` if no point
    qualifies). Cells next to each other in the grid's last direction with the same bound are merged."""
    front = np.minimum(np.asarray(front, dtype=float), ref)
    front = front[(front < ref).all(axis=1)] if len(front) else front
    m = len(ref)
    if len(front) == 0:
        return np.full((1, m), -np.inf), np.asarray(ref, dtype=float)[None, :]
    edges = []
    for j in range(m - 1):
        v = np.unique(front[:, j])
        edges.append((np.concatenate([[-np.inf], v]), np.concatenate([v, [ref[j]]])))
    shape = tuple(len(lo) for lo, _ in edges)
    # dom[p, cell]: front point p is below the cell's lower corner in the first m-1 coordinates
    dom = np.ones((len(front), *shape), dtype=bool)
    for j, (lo, _) in enumerate(edges):
        view = [1] * (m - 1)
        view[j] = len(lo)
        dom &= (front[:, j][:, None] <= lo[None, :]).reshape((len(front), *view))
    top = np.where(dom, front[:, m - 1].reshape((-1,) + (1,) * (m - 1)), ref[m - 1]).min(axis=0)
    top = np.minimum(top, ref[m - 1])
    lowers, uppers = [], []
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    flat_idx = [g.reshape(-1, shape[-1]) for g in grids]
    tops = top.reshape(-1, shape[-1])
    for r in range(tops.shape[0]):
        row = tops[r]
        # runs of equal bounds along the last grid direction become one box
        starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
        ends = np.concatenate([starts[1:], [len(row)]]) - 1
        for a, b in zip(starts, ends):
            lo = np.empty(m)
            hi = np.empty(m)
            for j in range(m - 1):
                ia, ib = flat_idx[j][r, a], flat_idx[j][r, b]
                lo[j], hi[j] = edges[j][0][ia], edges[j][1][ib]
            lo[m - 1], hi[m - 1] = -np.inf, row[a]
            if (hi > lo).all():
                lowers.append(lo)
                uppers.append(hi)
    return np.array(lowers).reshape(-1, m), np.array(uppers).reshape(-1, m)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x <= 0``."""
    x = np.minimum(x, -1e-300)
    out = np.empty_like(x)
    near = x > -math.log(2)
    out[near] = np.log(-np.expm1(x[near]))
    out[~near] = np.log1p(-np.exp(x[~near]))
    return out


def _log_phi(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - _LOG_SQRT_2PI


def log_ehvi(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray, grad: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log EHVI`` of each row of ``mean``/``std`` (``(n, m)``) for the boxes ``lower``/``upper``; with
    ``grad``, its derivatives with respect to ``mean`` and ``std`` (else empty arrays)."""
    mu, sd = mean[:, None, :], std[:, None, :]  # (n, 1, m)
    zu = (upper[None] - mu) / sd  # (n, K, m)
    bounded = np.isfinite(lower)[None] & np.ones_like(zu, dtype=bool)
    zl = np.where(bounded, (np.where(np.isfinite(lower), lower, 0.0)[None] - mu) / sd, 0.0)
    lhu = log_h(zu)
    lhl = np.where(bounded, log_h(zl), -np.inf)
    log_d = lhu + _log1mexp(np.minimum(lhl - lhu, 0.0))
    log_t = np.log(sd) + log_d
    s = log_t.sum(axis=2)  # (n, K)
    top = s.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(s - top)
    total = w.sum(axis=1)
    value = np.log(np.maximum(total, 1e-300)) + top[:, 0]
    if not grad:
        return value, np.empty(0), np.empty(0)
    w = w / np.maximum(total, 1e-300)[:, None]
    # d log T/d mu = -(Phi(zu) - Phi(zl)) / (sigma D); d log T/d sigma = (phi(zu) - phi(zl)) / (sigma D)
    ru = np.exp(log_ndtr(zu) - log_d)
    rl = np.exp(np.where(bounded, log_ndtr(zl), -np.inf) - log_d)
    pu = np.exp(_log_phi(zu) - log_d)
    pl = np.exp(np.where(bounded, _log_phi(zl), -np.inf) - log_d)
    d_mu = -(ru - rl) / sd
    d_sd = (pu - pl) / sd
    return value, np.einsum("nk,nkm->nm", w, d_mu), np.einsum("nk,nkm->nm", w, d_sd)


class EhviOptimizer(AcquisitionOptimizer):
    """:class:`AcquisitionOptimizer` on log EHVI over one GP per objective."""

    def __init__(
        self,
        gps: list[GaussianProcess],
        boxes: tuple[np.ndarray, np.ndarray],
        encoding: Encoding,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(gps[0], encoding, 0.0, rng)
        self.gps, self.lower, self.upper = gps, boxes[0], boxes[1]
        self.rho = np.exp(np.mean([np.log(g.rho) for g in gps], axis=0))

    def score(self, U: np.ndarray) -> np.ndarray:
        out = np.empty(len(U))
        for a in range(0, len(U), _CHUNK):
            part = U[a : a + _CHUNK]
            preds = [g.predict(part) for g in self.gps]
            mean = np.stack([p[0] for p in preds], axis=1)
            std = np.stack([p[1] for p in preds], axis=1)
            out[a : a + _CHUNK] = log_ehvi(mean, std, self.lower, self.upper)[0]
        return out

    def value_grad(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        preds = [g.predict_grad(U, self.num) for g in self.gps]
        mean = np.stack([p[0] for p in preds], axis=1)
        std = np.stack([p[1] for p in preds], axis=1)
        value, d_mu, d_sd = log_ehvi(mean, std, self.lower, self.upper, grad=True)
        grad = np.zeros((len(U), len(self.num)))
        for j, (_, _, dmean, dstd) in enumerate(preds):
            grad += d_mu[:, j, None] * dmean + d_sd[:, j, None] * dstd
        return value, grad


class Ehvi:
    """The multi-objective model of one GP tuner: one warm-started kernel per objective."""

    max_points = 256

    def __init__(self, tuner: MultiObjective, n_pool: int, warp: Callable[[np.ndarray], np.ndarray]) -> None:
        # ``warp`` is GP-BO's transform of the targets (passed in: gp imports this module)
        self.tuner, self.n_pool, self.warp = tuner, n_pool, warp
        self.thetas: list[np.ndarray | None] = []
        self.fits = 0
        self.fill = np.array([0.0 if d.is_cat else 0.5 for d in tuner.encoding.dims])

    def _subset(self, Z: np.ndarray) -> np.ndarray:
        """The rows the GPs are fitted to: all of them up to :attr:`max_points`; past that, the best half by
        non-domination rank and the rest evenly spaced in rank order (an exact GP costs n^3 per fit)."""
        if len(Z) <= self.max_points:
            return np.arange(len(Z))
        order = np.argsort(ranks(Z, np.zeros(len(Z))), kind="stable")
        return np.sort(spread_subset(order, self.max_points, self.max_points // 2))

    def _fit(self, j: int, X: np.ndarray, z: np.ndarray, subset: bool = False) -> np.ndarray:
        while len(self.thetas) <= j:
            self.thetas.append(None)
        old = self.thetas[j]
        if subset and old is not None and self.fits % 5:
            return old  # a model of a subset moves little per trial: its kernel is refitted every 5th time
        theta = warm_fit(X, z, self.tuner.encoding.cat_mask, old, self.fits)
        self.thetas[j] = theta
        return theta

    def propose(self) -> np.ndarray:
        """Candidate vectors, best first."""
        tuner = self.tuner
        X, Y, _ = tuner.history()
        usable = np.isfinite(Y).all(axis=1)
        Y = Y[usable]
        m = Y.shape[1]
        if len(Y) < 2 or (np.ptp(Y, axis=0) == 0).any():
            return tuner.encoding.sample(tuner.rng, 1)
        X = np.where(np.isnan(X[usable]), self.fill, X[usable])
        cat = tuner.encoding.cat_mask
        Z = np.column_stack([self.warp(Y[:, j]) for j in range(m)])
        keep = self._subset(Z)
        Xm, Zm = X[keep], Z[keep]
        gps = []
        pending = np.where(np.isnan(tuner.pending_X), self.fill, tuner.pending_X)
        believed = []
        for j in range(m):
            theta = self._fit(j, Xm, Zm[:, j], subset=len(keep) < len(Z))
            gp, mean = GaussianProcess(Xm, Zm[:, j], cat, theta).believing(pending)
            if len(pending):
                believed.append(mean)
            gps.append(gp)
        self.fits += 1
        everything = np.vstack([Z, np.column_stack(believed)]) if believed else Z
        front = front_of(everything)
        # the reference point: past the worst trial seen with two objectives; past the front's own worst
        # (its nadir) with more, where the worst trial lies so far out that the front's inside counts little
        base = Z if m == 2 else front
        ref = base.max(axis=0) + 0.1 * np.ptp(base, axis=0) + 1e-6
        cap = _MAX_FRONT.get(m, _MAX_FRONT_HIGHER)
        if len(front) > cap:
            c = contributions(normalised(front, np.arange(len(front))))
            front = front[np.argsort(-c, kind="stable")[:cap]]
        boxes = box_decomposition(front, ref)
        # local search starts from front members in a random order, so it covers the whole front
        on_front = np.flatnonzero(np.isin(np.arange(len(Z)), pareto.pareto_front([tuple(r) for r in Z])))
        incumbents = X[tuner.rng.permutation(on_front)[:3]]
        opt = EhviOptimizer(gps, boxes, tuner.encoding, tuner.rng)
        return opt.run(incumbents, n_pool=self.n_pool)

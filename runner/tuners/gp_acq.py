"""Log expected improvement (minimisation) and its optimisation over a mixed encoded space.

The optimiser scores a Latin-hypercube pool plus perturbations of the best trials, then improves the
best starts by alternating a batched L-BFGS-B step on the numeric coordinates (all starts in one call,
length-scale preconditioned) with an exhaustive pass over every value of every discrete dimension (all
starts and all alternatives in one batched prediction).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import erfcx, log_ndtr, ndtr

from nniannot.runner.tuners.encoding import Encoding
from nniannot.runner.tuners.gp_model import GaussianProcess
from nniannot.runner.tuners.model import latin_hypercube

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_MAX_EXHAUSTIVE = 16


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z·Phi(z))``, accurate for very negative ``z`` (Ament et al., 2023)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    hi = z > -1
    zh = z[hi]
    out[hi] = np.log(np.exp(-0.5 * zh * zh - _LOG_SQRT_2PI) + zh * ndtr(zh))
    zl = z[~hi]
    mid = zl > -1e6
    tail = 1 + zl[mid] * math.sqrt(math.pi / 2) * erfcx(-zl[mid] / math.sqrt(2))
    low = np.empty_like(zl)
    low[mid] = -0.5 * zl[mid] ** 2 - _LOG_SQRT_2PI + np.log(np.maximum(tail, 1e-300))
    low[~mid] = -0.5 * zl[~mid] ** 2 - _LOG_SQRT_2PI - 2 * np.log(-zl[~mid])
    out[~hi] = low
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    z = (best - mean) / std
    return log_h(z) + np.log(std)


class AcquisitionOptimizer:
    """Maximises log EI of ``gp`` over the encoded space; :meth:`run` gives candidates, best first."""

    def __init__(
        self, gp: GaussianProcess, encoding: Encoding, best: float, rng: np.random.Generator
    ) -> None:
        self.gp, self.enc, self.best, self.rng = gp, encoding, best, rng
        # the length-scales that shape the local pool and precondition the continuous step
        self.rho = gp.rho
        self.cat = encoding.cat_mask
        dims = encoding.dims
        self.num = np.flatnonzero(~self.cat)
        # small discrete grids are searched exhaustively; larger ones move continuously and are snapped
        self.exhaustive = [
            j
            for j, d in enumerate(dims)
            if d.is_cat or (d.levels is not None and len(d.levels) <= _MAX_EXHAUSTIVE)
        ]
        self.free = np.array([j for j in self.num if j not in self.exhaustive], dtype=int)
        self.fill = np.array([0.0 if d.is_cat else 0.5 for d in dims])

    def canon(self, U: np.ndarray) -> np.ndarray:
        """Snap, and set inactive dimensions to the fixed fill used for the training data."""
        U = self.enc.snap(U)
        if any(d.parent >= 0 for d in self.enc.dims):
            U = np.where(self.enc.active(U), U, self.fill)
        return U

    def score(self, U: np.ndarray) -> np.ndarray:
        mean, std = self.gp.predict(U)
        return log_ei(mean, std, self.best)

    def value_grad(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`score` of each row and its gradient with respect to the numeric coordinates."""
        mean, std, dmean, dstd = self.gp.predict_grad(U, self.num)
        zz = (self.best - mean) / std
        lh = log_h(zz)
        value = lh + np.log(std)
        # d log h/dz = Phi(z)/h(z); dz/dmean = -1/std; dz/dstd = -z/std
        ratio = np.exp(log_ndtr(zz) - lh)
        g_mean = -ratio / std
        g_std = 1.0 / std - zz * ratio / std
        return value, g_mean[:, None] * dmean + g_std[:, None] * dstd

    def run(self, incumbents: np.ndarray, n_pool: int = 1024, n_starts: int = 6) -> np.ndarray:
        pool = self._pool(incumbents, n_pool)
        s = self.score(pool)
        starts = self._starts(pool, s, incumbents[:1], n_starts)
        if len(self.free):
            starts = self._continuous(starts)
        changed = False
        for _ in range(10 if self.exhaustive else 0):
            before = starts
            starts = self._discrete(starts)
            if np.array_equal(before, starts):
                break
            changed = True
        if changed and len(self.free):
            starts = self._continuous(starts)
        final = self.canon(starts)
        cand = np.vstack([final, pool[np.argsort(-s)[:32]]])
        return cand[np.argsort(-self.score(cand), kind="stable")]

    def _pool(self, incumbents: np.ndarray, n: int) -> np.ndarray:
        d = self.enc.n_dims
        u = latin_hypercube(self.rng, n, d)
        for j, dim in enumerate(self.enc.dims):
            if dim.is_cat:
                u[:, j] = np.floor(u[:, j] * dim.size)
        local = []
        scale = 0.1 / np.sqrt(self.rho)
        for x in incumbents[:3]:
            m = 42
            p = np.repeat(x[None], m, axis=0)
            p[:, self.num] += self.rng.normal(size=(m, len(self.num))) * scale[self.num]
            n_cat = max(1, int(self.cat.sum()))
            for jc in np.flatnonzero(self.cat):
                flip = self.rng.random(m) < 1.0 / n_cat
                p[flip, jc] = self.rng.integers(0, self.enc.dims[int(jc)].size, size=int(flip.sum()))
            local.append(p)
        return self.canon(np.vstack([u, *local]) if local else u)

    def _starts(self, pool: np.ndarray, s: np.ndarray, incumbent: np.ndarray, k: int) -> np.ndarray:
        order = np.argsort(-s)
        rest = order[1:]
        w = np.exp(s[rest] - s[rest].max())
        w = w / w.sum() if np.isfinite(w).all() and w.sum() > 0 else None
        picks = self.rng.choice(rest, size=min(k - 2, len(rest)), replace=False, p=w)
        return np.vstack([pool[order[:1]], pool[picks], self.canon(incumbent)])

    def _continuous(self, starts: np.ndarray) -> np.ndarray:
        """Batched L-BFGS-B on the sum over starts, in coordinates scaled by the length-scales."""
        free = self.free
        ell = 1.0 / np.sqrt(self.rho[free])
        m = len(starts)
        cols = np.searchsorted(self.num, free)

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            U = starts.copy()
            U[:, free] = z.reshape(m, -1) * ell
            value, grad = self.value_grad(U)
            return -float(value.sum()), -(grad[:, cols] * ell).ravel()

        z0 = (starts[:, free] / ell).ravel()
        bounds = [(0.0, 1.0 / e) for e in ell] * m
        res = minimize(
            fun, z0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 30, "gtol": 1e-3}
        )
        out = starts.copy()
        out[:, free] = np.clip(res.x.reshape(m, -1) * ell, 0.0, 1.0)
        better = self.score(self.canon(out)) >= self.score(self.canon(starts))
        return np.where(better[:, None], out, starts)

    def _discrete(self, starts: np.ndarray) -> np.ndarray:
        """For each start, the best single change of one discrete dimension (if it improves)."""
        if not self.exhaustive:
            return starts
        variants, owner = [], []
        for j in self.exhaustive:
            dim = self.enc.dims[j]
            values = np.arange(dim.size, dtype=float) if dim.is_cat or dim.levels is None else dim.levels
            for v in values:
                V = starts.copy()
                V[:, j] = v
                variants.append(V)
                owner.append(np.arange(len(starts)))
        V = self.canon(np.vstack(variants))
        s = self.score(V)
        own = np.concatenate(owner)
        base = self.score(self.canon(starts))
        out = starts.copy()
        for i in range(len(starts)):
            idx = np.flatnonzero(own == i)
            best = idx[np.argmax(s[idx])]
            if s[best] > base[i] + 1e-12:
                out[i] = V[best]
        return out

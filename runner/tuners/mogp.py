"""Multi-objective GP-BO: ParEGO-style random scalarisation (Knowles, 2006) on GP-BO's model and optimiser.

Per suggestion: normalise every objective to ``[0, 1]`` over the usable trials, draw a weight vector
uniformly from the simplex, and scalarise each trial with the augmented Chebyshev function
``max_i w_i f_i + 0.05 Σ w_i f_i`` (it reaches every point of a concave or disconnected front, which a
weighted sum does not). Infeasible trials score worse than every feasible one, by how much they violate,
so the model steers away from the infeasible region. Then exactly as single-objective GP-BO: warp,
fit (warm-started), running trials at the predicted mean (Kriging believer: a batch of parallel
suggestions spreads out), maximise log EI.

A new weight per suggestion explores the whole front over a run; the first objective's weight is drawn
like the others, so no objective is favoured.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nniannot.runner.tuners.multi import MultiObjective, normalised

RHO = 0.05


def scalarise(Y: np.ndarray, violation: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The augmented Chebyshev value of each usable row of ``Y`` (minimised); infeasible rows above every
    feasible one, by violation; NaN for unusable rows."""
    usable = np.isfinite(Y).all(axis=1)
    out = np.full(len(Y), np.nan)
    if not usable.any():
        return out
    feasible = usable & ~(violation > 0)
    basis = np.flatnonzero(feasible) if feasible.any() else np.flatnonzero(usable)
    Z = normalised(np.where(usable[:, None], Y, 0.0), basis)
    s = (Z * weights).max(axis=1) + RHO * (Z * weights).sum(axis=1)
    out[usable] = s[usable]
    infeasible = usable & (violation > 0)
    if infeasible.any():
        top = float(s[feasible].max()) if feasible.any() else 0.0
        v = violation[infeasible]
        scale = float(v.max()) if v.max() > 0 else 1.0
        out[infeasible] = top + 0.1 + v / scale
    return out


def random_weights(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.dirichlet(np.ones(m)) if m > 1 else np.ones(1)


class ParEgo:
    """The multi-objective model of one GP tuner: keeps the warm-started hyperparameters between
    suggestions (the scalarisation changes each time, the length-scales of the space little)."""

    def __init__(self, tuner: MultiObjective, n_pool: int, warp: Callable[[np.ndarray], np.ndarray]) -> None:
        # ``warp`` is GP-BO's transform of the targets (passed in: gp imports this module)
        self.tuner, self.n_pool, self.warp = tuner, n_pool, warp
        self.theta: np.ndarray | None = None
        self.fits = 0
        self.fill = np.array([0.0 if d.is_cat else 0.5 for d in tuner.encoding.dims])

    def _fit(self, X: np.ndarray, z: np.ndarray) -> np.ndarray:
        from nniannot.runner.tuners.gp_model import warm_fit

        self.theta = warm_fit(X, z, self.tuner.encoding.cat_mask, self.theta, self.fits)
        self.fits += 1
        return self.theta

    def propose(self) -> np.ndarray:
        """Candidate vectors, best first."""
        from nniannot.runner.tuners.gp_acq import AcquisitionOptimizer
        from nniannot.runner.tuners.gp_model import GaussianProcess

        tuner = self.tuner
        X, Y, viol = tuner.history()
        weights = random_weights(tuner.rng, Y.shape[1])
        s = scalarise(Y, viol, weights)
        ok = np.isfinite(s)
        if ok.sum() < 2 or np.ptp(s[ok]) == 0:
            return tuner.encoding.sample(tuner.rng, 1)
        # an unusable trial counts as the worst usable one, as in single-objective GP-BO
        s = np.where(ok, s, s[ok].max())
        X = np.where(np.isnan(X), self.fill, X)
        z = self.warp(s)
        cat = tuner.encoding.cat_mask
        theta = self._fit(X, z)
        gp = GaussianProcess(X, z, cat, theta)
        gp, _ = gp.believing(np.where(np.isnan(tuner.pending_X), self.fill, tuner.pending_X))
        order = np.argsort(z, kind="stable")
        opt = AcquisitionOptimizer(gp, tuner.encoding, float(z.min()), tuner.rng)
        return opt.run(X[order[:3]], n_pool=self.n_pool)

"""The multivariate Parzen estimator behind TPE: one mixture component per observation, across all dims.

Numeric dimensions use Gaussians truncated to ``[0, 1]``; categorical ones an Aitchison-Aitken-like table
(extra mass on the observed choice). A NaN entry (a dimension inactive for that observation) makes that
component uniform in that dimension. Component 0 is a wide prior (centre 0.5, width 1; uniform table).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class ParzenEstimator:
    """A weighted mixture over ``centres`` (shape ``(n, d)``, NaN = inactive) plus one prior component.

    Args:
        centres: observations in encoded form.
        weights: one non-negative weight per observation.
        prior_weight: the weight of the prior component (before normalising).
        sizes: number of choices per dimension, 0 for numeric ones.
        min_bandwidth: lower clip of the numeric bandwidths (in unit-cube units).
    """

    def __init__(
        self,
        centres: np.ndarray,
        weights: np.ndarray,
        prior_weight: float,
        sizes: np.ndarray,
        min_bandwidth: float,
    ) -> None:
        d = len(sizes)
        self.sizes = sizes
        self.cat = sizes > 0
        self.mu = np.vstack([np.full((1, d), 0.5), np.asarray(centres, dtype=float).reshape(-1, d)])
        w = np.concatenate([[prior_weight], np.asarray(weights, dtype=float)])
        self.log_w = np.log(np.maximum(w, 1e-300) / w.sum())
        self.sigma = self._bandwidths(self.mu[1:], min_bandwidth)
        n_obs = len(self.mu) - 1
        # Categorical table: own choice gets 1 + 1/(n+1), every choice 1/(n+1), then normalised.
        self.cat_own = 1.0 / (n_obs + 1)

    def _bandwidths(self, centres: np.ndarray, floor: float) -> np.ndarray:
        """Per dim: the larger gap to a neighbouring centre (domain ends count, except for the outermost)."""
        n, d = centres.shape
        sigma = np.ones((n + 1, d))
        for j in np.flatnonzero(~self.cat):
            col = centres[:, j]
            ok = ~np.isnan(col)
            m = int(ok.sum())
            if m == 0:
                continue
            order = np.argsort(col[ok])
            xs = col[ok][order]
            padded = np.concatenate([[0.0], xs, [1.0]])
            left = padded[1:-1] - padded[:-2]
            right = padded[2:] - padded[1:-1]
            if m >= 2:
                left[0] = right[0]
                right[-1] = left[-1]
            s = np.empty(m)
            s[order] = np.maximum(left, right)
            full = np.ones(n)
            full[ok] = np.clip(s, floor, 1.0)
            sigma[1:, j] = full
        return sigma

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws, shape ``(n, d)``; categorical entries are choice indices."""
        comp = rng.choice(len(self.log_w), size=n, p=np.exp(self.log_w - logsumexp(self.log_w)))
        mu, sigma = self.mu[comp], self.sigma[comp]
        u = rng.random(mu.shape)
        out = np.empty_like(mu)
        num = ~self.cat
        if num.any():
            m, s, r = mu[:, num], sigma[:, num], u[:, num]
            inactive = np.isnan(m)
            m = np.where(inactive, 0.5, m)
            lo, hi = ndtr((0.0 - m) / s), ndtr((1.0 - m) / s)
            x = m + s * ndtri(np.clip(lo + r * (hi - lo), 1e-300, 1 - 1e-16))
            out[:, num] = np.where(inactive, r, np.clip(x, 0.0, 1.0))
        for j in np.flatnonzero(self.cat):
            out[:, j] = self._sample_cat(rng, mu[:, j], int(self.sizes[j]), comp == 0)
        return out

    def _sample_cat(
        self, rng: np.random.Generator, centre: np.ndarray, k: int, prior: np.ndarray
    ) -> np.ndarray:
        # The table is a mix: the own choice with probability 1/(1 + k·a), else uniform (a = cat_own).
        keep = ~prior & ~np.isnan(centre) & (rng.random(len(centre)) < 1.0 / (1.0 + k * self.cat_own))
        uniform = rng.integers(0, k, size=len(centre))
        return np.where(keep, np.nan_to_num(centre), uniform).astype(float)

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density of each row of ``x`` (shape ``(m, d)``) under the mixture."""
        x = np.atleast_2d(x)
        total = np.broadcast_to(self.log_w, (len(x), len(self.log_w))).copy()
        num = np.flatnonzero(~self.cat)
        if len(num):
            m = self.mu[:, num][None]  # (1, c, dn)
            s = self.sigma[:, num][None]
            inactive = np.isnan(m)
            mm = np.where(inactive, 0.5, m)
            z = (x[:, None, num] - mm) / s
            log_z = np.log(np.maximum(ndtr((1.0 - mm) / s) - ndtr((0.0 - mm) / s), 1e-300))
            term = -0.5 * z * z - np.log(s) - _LOG_SQRT_2PI - log_z
            total += np.where(inactive, 0.0, term).sum(axis=2)
        for j in np.flatnonzero(self.cat):
            k = int(self.sizes[j])
            centre = self.mu[:, j]
            same = x[:, j][:, None] == centre[None, :]
            p_own = (1 + self.cat_own) / (1 + k * self.cat_own)
            p_other = self.cat_own / (1 + k * self.cat_own)
            logp = np.where(same, math.log(p_own), math.log(p_other))
            logp[:, 0] = -math.log(k)
            logp[:, np.isnan(centre)] = -math.log(k)
            total += logp
        return logsumexp(total, axis=1)

"""A Gaussian process in numpy: Matern-5/2 with ARD (squared difference for numeric dimensions, 0/1
mismatch for categorical ones), hyperparameters by MAP with an analytic gradient, Cholesky throughout.

Hyperparameters are ``theta = [log rho_1..d, log s, log noise]`` with ``rho = 1/lengthscale²``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.optimize import minimize

SQRT5 = math.sqrt(5.0)
NOISE_FLOOR = 1e-6
# log bounds: lengthscale in [0.01, 100] (unit cube), signal variance in [e^-5, e^5], noise in [1e-8, 1]
_BOUNDS_RHO = (math.log(1e-4), math.log(1e4))
_BOUNDS_S = (-5.0, 5.0)
_BOUNDS_NOISE = (math.log(1e-8), 0.0)


def matern52(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matern-5/2 of ``q = r²`` and its derivative with respect to ``q``."""
    r = np.sqrt(np.maximum(q, 0.0))
    e = np.exp(-SQRT5 * r)
    return (1 + SQRT5 * r + 5.0 / 3.0 * q) * e, -5.0 / 6.0 * (1 + SQRT5 * r) * e


def pair_diffs(A: np.ndarray, B: np.ndarray, cat: np.ndarray) -> np.ndarray:
    """Per-dimension distances, shape ``(len(A), len(B), d)``: squared for numeric, 0/1 for categorical."""
    diff = A[:, None, :] - B[None, :, :]
    if not cat.any():
        return diff * diff
    out = diff * diff
    out[:, :, cat] = np.abs(diff[:, :, cat]) > 0.5
    return out


def default_theta(d: int) -> np.ndarray:
    return np.concatenate([np.zeros(d), [0.0, math.log(1e-3)]])


class GaussianProcess:
    """Zero-mean GP on standardised targets; see the module docstring."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cat: np.ndarray, theta: np.ndarray) -> None:
        self.X, self.y, self.cat = X, y, cat
        self.set_theta(theta)

    def set_theta(self, theta: np.ndarray) -> None:
        self.theta = np.asarray(theta, dtype=float)
        d = self.X.shape[1]
        self.rho = np.exp(self.theta[:d])
        self.s = math.exp(self.theta[d])
        self.noise = math.exp(self.theta[d + 1]) + NOISE_FLOOR
        D = pair_diffs(self.X, self.X, self.cat)
        K = self.s * matern52(D @ self.rho)[0] + self.noise * np.eye(len(self.X))
        self.L = np.linalg.cholesky(K + 1e-10 * np.eye(len(self.X)))
        self.alpha = cho_solve((self.L, True), self.y)
        num = np.flatnonzero(~self.cat)
        scale = np.sqrt(self.rho[num])
        b = self.X[:, num] * scale
        self._scaled = (num, scale, b, np.einsum("ij,ij->i", b, b)[None, :])
        self._cats = [int(j) for j in np.flatnonzero(self.cat)]

    def believing(self, pending: np.ndarray) -> tuple[GaussianProcess, np.ndarray]:
        """This GP with running trials' points ``pending`` added at its predicted means (the Kriging
        believer, so parallel suggestions spread out), and those means; itself if there are none."""
        if not len(pending):
            return self, np.empty(0)
        mean, _ = self.predict(pending)
        grown = GaussianProcess(
            np.vstack([self.X, pending]), np.concatenate([self.y, mean]), self.cat, self.theta
        )
        return grown, mean

    def _distances(self, Xs: np.ndarray) -> np.ndarray:
        """``q = sum_j rho_j d_j`` between the rows of ``Xs`` and the data, ``(m, n)``: the numeric part as
        ``|a|² + |b|² - 2ab`` on coordinates scaled by ``sqrt(rho)`` (one matrix product, no ``(m, n, d)``
        array), then one 0/1 mismatch term per categorical dimension."""
        num, scale, b, bb = self._scaled
        a = Xs[:, num] * scale
        q = a @ b.T
        q *= -2.0
        q += np.einsum("ij,ij->i", a, a)[:, None]
        q += bb
        np.maximum(q, 0.0, out=q)
        for j in self._cats:
            q += self.rho[j] * (np.abs(Xs[:, j, None] - self.X[None, :, j]) > 0.5)
        return q

    def cross(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``k(Xs, X)`` and ``dk/dq`` (both ``(m, n)``)."""
        k, dk = matern52(self._distances(Xs))
        return self.s * k, self.s * dk

    def predict(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation at the rows of ``Xs``."""
        k, _ = self.cross(Xs)
        mean = k @ self.alpha
        v = solve_triangular(self.L, k.T, lower=True)
        var = np.maximum(self.s - np.einsum("ij,ij->j", v, v), 1e-12)
        return mean, np.sqrt(var)

    def predict_grad(self, Xs: np.ndarray, num: np.ndarray) -> tuple[np.ndarray, ...]:
        """Mean, std and their gradients with respect to the numeric coordinates ``num`` of ``Xs``."""
        k, dk = self.cross(Xs)
        mean = k @ self.alpha
        kinv_k = cho_solve((self.L, True), k.T).T  # (m, n)
        var = np.maximum(self.s - np.einsum("ij,ij->i", k, kinv_k), 1e-12)
        std = np.sqrt(var)

        # dk/dx_j = dk/dq * 2 rho_j (x_j - X_j), so a weighted sum over the data, sum_n w_n dk/dx_j, is
        # 2 rho_j (x_j sum_n w_n - (w @ X)_j): matrix products instead of an (m, n, d) array
        def weighted(w: np.ndarray) -> np.ndarray:
            return 2.0 * self.rho[num] * (Xs[:, num] * w.sum(axis=1)[:, None] - w @ self.X[:, num])

        dmean = weighted(dk * self.alpha[None, :])
        dvar = -2.0 * weighted(dk * kinv_k)
        return mean, std, dmean, dvar / (2.0 * std[:, None])


def _neg_log_posterior(theta: np.ndarray, D: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    n, _, d = D.shape
    rho, s, noise = np.exp(theta[:d]), math.exp(theta[d]), math.exp(theta[d + 1])
    M, dM = matern52(D @ rho)
    K = s * M + (noise + NOISE_FLOOR) * np.eye(n)
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    alpha = cho_solve((L, True), y)
    mll = -0.5 * y @ alpha - np.log(np.diag(L)).sum()
    W = np.outer(alpha, alpha) - cho_solve((L, True), np.eye(n))
    g_rho = 0.5 * rho * np.einsum("ij,ijd->d", W * (s * dM), D)
    g_s = 0.5 * np.sum(W * (s * M))
    g_noise = 0.5 * np.trace(W) * noise
    # priors: rho ~ exp(-(0.1/rho + 0.1 rho)) (peaks at lengthscale 1); s ~ Gamma(2, 1); noise ~ Gamma(1.1, 100)
    lp = -(0.1 / rho + 0.1 * rho).sum() + (math.log(s) - s) + (0.1 * math.log(noise) - 100.0 * noise)
    g_lp_rho = 0.1 / rho - 0.1 * rho
    g_lp_s = 1.0 - s
    g_lp_noise = 0.1 - 100.0 * noise
    value = -(mll + lp)
    grad = -np.concatenate([g_rho + g_lp_rho, [g_s + g_lp_s, g_noise + g_lp_noise]])
    return float(value), grad


def fit_theta(X: np.ndarray, y: np.ndarray, cat: np.ndarray, starts: list[np.ndarray]) -> np.ndarray:
    """MAP hyperparameters: L-BFGS-B from each start; the best result (or the first start if all fail)."""
    d = X.shape[1]
    D = pair_diffs(X, X, cat)
    bounds = [_BOUNDS_RHO] * d + [_BOUNDS_S, _BOUNDS_NOISE]
    best, best_val = starts[0], math.inf
    for start in starts:
        x0 = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
        res = minimize(
            _neg_log_posterior,
            x0,
            args=(D, y),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 100, "gtol": 1e-3},
        )
        if np.isfinite(res.fun) and res.fun < best_val:
            best, best_val = res.x, res.fun
    return np.asarray(best, dtype=float)


def warm_fit(
    X: np.ndarray, y: np.ndarray, cat: np.ndarray, previous: np.ndarray | None, count: int
) -> np.ndarray:
    """:func:`fit_theta` started from the ``previous`` fit (the default at first), with a second start from
    the default every 10th fit (``count`` fits so far), so a warm start cannot stay stuck."""
    d = X.shape[1]
    starts = [default_theta(d)] if previous is None else [previous]
    if previous is not None and count % 10 == 0:
        starts.append(default_theta(d))
    return fit_theta(X, y, cat, starts)


def spread_subset(order: np.ndarray, size: int, n_best: int) -> np.ndarray:
    """Indices for a model of ``size`` rows: the first ``n_best`` of ``order`` (best first), then the rest
    of ``order`` evenly spaced (an exact GP costs n^3 per fit, so past a cap it sees such a subset)."""
    rest = order[n_best:]
    spaced = rest[np.linspace(0, len(rest) - 1, size - n_best).round().astype(int)]
    return np.concatenate([order[:n_best], spaced])

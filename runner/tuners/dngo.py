"""DNGO: Bayesian linear regression on features learnt by a neural network (Snoek et al., ICML 2015).

A small tanh network (three hidden layers of 50 units, as in the paper) is trained on the observations
with Adam, full batch, every ``trials_per_update`` results (more often while there are few: every fifth of
the results so far, since a network fitted to ten points misleads for long); its last hidden layer (plus a constant) is the
basis of a Bayesian linear regression whose prior and noise precisions are set by evidence maximisation
(MacKay's fixed-point updates), refitted at every suggestion. The regression's predictive mean and
variance give expected improvement, maximised over ``sample_size`` random configurations and a local
search from the best trials. Categorical parameters enter the network one-hot.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from nniannot.runner.tuners.gp import warp
from nniannot.runner.tuners.model import EncodedTuner, finite_losses
from nniannot.runner.tuners.threads import single_thread
from nniannot.searchspace import SearchSpace

_HIDDEN = (50, 50, 50)
# noise precision cap on the standardised losses: the network interpolates its training data, and a
# regression that believed it exactly would stop exploring
MAX_BETA = 25.0


class FeatureNet:
    """The network: ``x -> tanh layers -> linear output``; :meth:`features` is the last hidden layer."""

    def __init__(self, n_in: int, rng: np.random.Generator) -> None:
        sizes = (n_in, *_HIDDEN, 1)
        self.W = [rng.normal(size=(a, b)) / math.sqrt(a) for a, b in itertools.pairwise(sizes)]
        self.b = [np.zeros(b) for b in sizes[1:]]

    def _forward(self, X: np.ndarray) -> list[np.ndarray]:
        out = [X]
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            h = out[-1] @ W + b
            out.append(h if i == len(self.W) - 1 else np.tanh(h))
        return out

    def features(self, X: np.ndarray) -> np.ndarray:
        return self._forward(X)[-2]

    def train(self, X: np.ndarray, y: np.ndarray, epochs: int, lr: float = 0.01, decay: float = 1e-3) -> None:
        """Adam on the mean squared error (plus weight decay), full batch."""
        params = [*self.W, *self.b]
        m1 = [np.zeros_like(p) for p in params]
        m2 = [np.zeros_like(p) for p in params]
        n = len(y)
        for t in range(1, epochs + 1):
            acts = self._forward(X)
            delta = (acts[-1][:, 0] - y)[:, None] * (2.0 / n)
            gW, gb = [], []
            for i in range(len(self.W) - 1, -1, -1):
                gW.append(acts[i].T @ delta + decay * self.W[i])
                gb.append(delta.sum(axis=0))
                if i:
                    delta = (delta @ self.W[i].T) * (1.0 - acts[i] ** 2)
            grads = [*gW[::-1], *gb[::-1]]
            for p, g, a, v in zip(params, grads, m1, m2):
                a *= 0.9
                a += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= lr * (a / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)


class BayesianLinearRegression:
    """``y = w·phi + noise``, ``w ~ N(0, 1/alpha)``, noise precision ``beta``; both by evidence maximisation."""

    def __init__(self, Phi: np.ndarray, y: np.ndarray, iterations: int = 30, max_beta: float = 1e6) -> None:
        n, k = Phi.shape
        gram = Phi.T @ Phi
        eig = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
        alpha, beta = 1.0, 1.0 / max(float(y.var()), 1e-6)
        for _ in range(iterations):
            A = alpha * np.eye(k) + beta * gram
            mean = beta * np.linalg.solve(A, Phi.T @ y)
            lam = beta * eig
            gamma = float(np.sum(lam / (alpha + lam)))
            alpha = min(max(gamma / max(float(mean @ mean), 1e-12), 1e-6), 1e6)
            resid = float(np.sum((y - Phi @ mean) ** 2))
            beta = min(max((n - gamma) / max(resid, 1e-12), 1e-6), max_beta)
        self.A_inv = np.linalg.inv(alpha * np.eye(k) + beta * gram)
        self.mean = beta * self.A_inv @ Phi.T @ y
        self.beta = beta

    def predict(self, Phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        var = 1.0 / self.beta + np.einsum("ij,jk,ik->i", Phi, self.A_inv, Phi)
        return Phi @ self.mean, np.sqrt(np.maximum(var, 1e-12))


class DngoTuner(EncodedTuner):
    """DNGO over the encoded space (see the module docstring).

    Args:
        sample_size: random configurations scored per suggestion (NNI's argument, default 1000).
        trials_per_update: results between two trainings of the network (NNI: 20).
        num_epochs_per_training: Adam steps per training (NNI: 500).
        n_startup: trials from the start-up design before the model is used.
    """

    model_modules = ("nniannot.runner.tuners.surrogate",)

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        sample_size: int = 1000,
        trials_per_update: int = 20,
        num_epochs_per_training: int = 500,
        n_startup: int = 10,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed, n_startup=n_startup)
        self.sample_size = max(1, int(sample_size))
        self.trials_per_update = max(1, int(trials_per_update))
        self.epochs = max(1, int(num_epochs_per_training))
        self._net: FeatureNet | None = None
        self._trained_at = 0
        self._fill = np.array([0.0 if d.is_cat else 0.5 for d in self.encoding.dims])

    def _inputs(self, U: np.ndarray) -> np.ndarray:
        """Numeric coordinates as they are, categorical ones one-hot; inactive ones 0.5 or all-zero."""
        U = np.atleast_2d(U)
        active = self.encoding.active(U) & ~np.isnan(U)
        cols = []
        for j, dim in enumerate(self.encoding.dims):
            if dim.is_cat:
                idx = np.where(active[:, j], U[:, j], -1).round()
                cols.append((idx[:, None] == np.arange(dim.size)[None]).astype(float))
            else:
                cols.append(np.where(active[:, j], U[:, j], 0.5)[:, None])
        return np.hstack(cols) if cols else np.zeros((len(U), 0))

    def propose(self) -> np.ndarray:
        with single_thread():
            return self._propose()

    def _propose(self) -> np.ndarray:
        from nniannot.runner.tuners.surrogate import expected_improvement, local_search, ranked

        y = finite_losses(self.y)
        random = self.encoding.sample(self.rng, self.sample_size)
        if len(y) < 2 or np.ptp(y) == 0:
            return random[:16]
        z = warp(y)
        X = self._inputs(self.X)
        gap = min(self.trials_per_update, max(1, len(y) // 5))
        if self._net is None or len(y) - self._trained_at >= gap:
            self._net = FeatureNet(X.shape[1], self.rng)
            self._net.train(X, z, self.epochs)
            self._trained_at = len(y)
        net = self._net

        def basis(U: np.ndarray) -> np.ndarray:
            phi = net.features(self._inputs(U))
            return np.hstack([phi, np.ones((len(phi), 1))])

        blr = BayesianLinearRegression(basis(self.X), z, max_beta=MAX_BETA)
        best = float(z.min())

        def score(U: np.ndarray) -> np.ndarray:
            mean, std = blr.predict(basis(U))
            return expected_improvement(mean, std, best)

        starts = np.where(np.isnan(self.X), self._fill, self.X)[np.argsort(z, kind="stable")[:10]]
        points, scores = local_search(score, starts, self.encoding, self.rng, steps=5)
        points = np.vstack([points, random])
        scores = np.concatenate([scores, score(random)])
        return ranked(points, scores)

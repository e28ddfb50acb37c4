"""Metis (Li et al., SoCC 2018): GP-BO that re-runs results it distrusts and splits exploit from explore.

Per suggestion, after ``cold_start_num`` start-up trials, the GP of :mod:`~nniannot.runner.tuners.gp_model`
is fitted to the warped losses, then:

1. **Resampling** (unless ``no_resampling``): a finished configuration whose result is a likely outlier
   (its leave-one-out residual under the GP is more than ``outlier_sigma`` predictive standard deviations)
   is suggested again, once, so that a noisy measurement does not steer the search. A configuration is
   never repeated in a space that is entirely discrete (there a repeat would hide an unseen configuration),
   so resampling applies to spaces with a continuous parameter.
2. **Exploration** (unless ``no_candidates``): with probability ``exploration_probability``, the point of
   largest GP uncertainty among random configurations (Metis's model of where it knows least).
3. **Exploitation** otherwise: the maximiser of expected improvement (the GP tuner's optimiser, from
   ``selection_num_starting_points`` starts).
"""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.gp import warp
from nniannot.runner.tuners.model import EncodedTuner, finite_losses
from nniannot.runner.tuners.spaces import config_key
from nniannot.runner.tuners.threads import single_thread
from nniannot.searchspace import SearchSpace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nniannot.runner.tuners.gp_model import GaussianProcess


class MetisTuner(EncodedTuner):
    """Metis over the encoded space (see the module docstring); every search-space type is supported.

    Args:
        no_resampling: never re-suggest a finished configuration (NNI's argument).
        no_candidates: never take the exploration step; always exploit.
        selection_num_starting_points: starts of the expected-improvement optimiser (NNI: 600, read here as
            the size of the scored pool; the best few of it are refined).
        cold_start_num: random (start-up design) trials before the GP is used (NNI: 10).
        exploration_probability: chance of the exploration step (NNI: 0.9 was its split between the two
            candidate kinds; here 0.2 by default, which the benchmark favoured).
        outlier_sigma: the leave-one-out residual, in standard deviations, above which a result is resampled.
    """

    model_modules = ("nniannot.runner.tuners.gp_model", "nniannot.runner.tuners.gp_acq")

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        no_resampling: bool = False,
        no_candidates: bool = False,
        selection_num_starting_points: int = 600,
        cold_start_num: int = 10,
        exploration_probability: float = 0.2,
        outlier_sigma: float = 3.0,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed, n_startup=cold_start_num)
        self.no_resampling = bool(no_resampling)
        self.no_candidates = bool(no_candidates)
        self.n_pool = max(8, int(selection_num_starting_points))
        self.exploration_probability = float(exploration_probability)
        self.outlier_sigma = float(outlier_sigma)
        self._theta: np.ndarray | None = None
        self._resampled: set[str] = set()
        self._fill = np.array([0.0 if d.is_cat else 0.5 for d in self.encoding.dims])
        self._continuous = any(not d.is_discrete for d in self.encoding.dims)

    def propose(self) -> np.ndarray:
        with single_thread():
            return self._propose()

    def _propose(self) -> np.ndarray:
        X, y = np.where(np.isnan(self.X), self._fill, self.X), finite_losses(self.y)
        if len(y) < 2 or np.ptp(y) == 0:
            return self.encoding.sample(self.rng, 1)
        from nniannot.runner.tuners.gp_acq import AcquisitionOptimizer
        from nniannot.runner.tuners.gp_model import GaussianProcess, default_theta, fit_theta

        z = warp(y)
        starts = [default_theta(X.shape[1])] + ([self._theta] if self._theta is not None else [])
        self._theta = fit_theta(X, z, self.encoding.cat_mask, starts)
        gp = GaussianProcess(X, z, self.encoding.cat_mask, self._theta)
        if not self.no_resampling and self._continuous:
            again = self._outlier(gp, z)
            if again is not None:
                return again[None]
        gp, _ = gp.believing(np.where(np.isnan(self.pending_X), self._fill, self.pending_X))
        if not self.no_candidates and self.rng.random() < self.exploration_probability:
            pool = self.encoding.sample(self.rng, self.n_pool)
            _, std = gp.predict(np.where(self.encoding.active(pool), pool, self._fill))
            return pool[np.argsort(-std, kind="stable")[:16]]
        opt = AcquisitionOptimizer(gp, self.encoding, float(z.min()), self.rng)
        return opt.run(X[np.argsort(z, kind="stable")[:3]], n_pool=self.n_pool)

    def _outlier(self, gp: GaussianProcess, z: np.ndarray) -> np.ndarray | None:
        """The vector of the worst not-yet-resampled outlier among finished results, or None."""
        from scipy.linalg import cho_solve

        k_inv = cho_solve((gp.L, True), np.eye(len(z)))
        diag = np.maximum(np.diag(k_inv), 1e-12)
        resid = (k_inv @ z) / diag  # z_i minus its leave-one-out mean
        scaled = np.abs(resid) * np.sqrt(diag)  # over the leave-one-out standard deviation
        for i in np.argsort(-scaled, kind="stable"):
            if scaled[i] <= self.outlier_sigma:
                return None
            if not np.isfinite(self.y[i]):
                continue
            key = config_key(self.encoding.decode(self.X[i]))
            if key not in self._resampled:
                self._resampled.add(key)
                return np.asarray(self._xs[i], dtype=float)
        return None

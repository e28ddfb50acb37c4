"""Gaussian-process Bayesian optimisation for small budgets (tens to a few hundred trials).

Per suggestion: warp the losses (log for heavy-tailed ones, which keeps narrow valleys visible), standardise,
fit the GP hyperparameters (warm-started), add running trials at their predicted mean (Kriging believer),
and maximise log expected improvement (:mod:`nniannot.runner.tuners.gp_acq`).
"""

from __future__ import annotations

import numpy as np

from nniannot.errors import TunerError
from nniannot.runner.tuners.model import finite_losses
from nniannot.runner.tuners.multi import MultiObjective
from nniannot.runner.tuners.threads import single_thread
from nniannot.searchspace import SearchSpace


def warp(y: np.ndarray) -> np.ndarray:
    """A monotone transform of the losses that keeps their order, then standardisation."""
    q25, q50, q75 = np.percentile(y, [25, 50, 75])
    iqr = max(q75 - q25, 1e-12)
    if y.max() - q50 > 10 * iqr or _skew(y) > 1.0:
        # heavy-tailed: the log keeps the region near the best from being flattened by the outliers
        y = np.log(y - y.min() + max(0.1 * iqr, 1e-12))
    std = y.std()
    return (y - y.mean()) / (std if std > 1e-10 else 1.0)


def _skew(y: np.ndarray) -> float:
    s = y.std()
    return float(np.mean(((y - y.mean()) / s) ** 3)) if s > 0 else 0.0


class GpTuner(MultiObjective):
    """GP-BO over the encoded space (categoricals with a Hamming kernel term). With several objectives,
    expected hypervolume improvement (:mod:`~nniannot.runner.tuners.ehvi`) or ParEGO
    (:mod:`~nniannot.runner.tuners.mogp`), which also handles violated constraints.

    The model modules (scipy) are imported when the first model-based suggestion needs them.

    Args:
        n_startup: trials from the space-filling start-up design (NNI's ``cold_start_num``).
        n_pool: Sobol points scored per suggestion before local search.
        utility, kappa, xi, nu, alpha, selection_num_warm_up, selection_num_starting_points: NNI GPTuner
            arguments, accepted for compatibility; log EI is always used.
        multi_objective: ``"auto"`` (EHVI with two objectives; with three or more, ParEGO for the first
            :attr:`parego_until` trials and EHVI after), ``"ehvi"`` or ``"parego"``. ParEGO whenever a
            trial has violated a constraint.
    """

    model_modules = (
        "nniannot.runner.tuners.gp_model",
        "nniannot.runner.tuners.gp_acq",
        "nniannot.runner.tuners.ehvi",
    )
    # Past this many observations the model is fitted to a subset: the best third of it, and the rest
    # evenly spaced in rank order. An exact GP costs n^3 per fit; below the cap nothing changes.
    max_points = 128
    # with three or more objectives and "auto", ParEGO makes the first suggestions and EHVI the later ones
    parego_until = 100

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        n_startup: int = 10,
        n_pool: int = 1024,
        cold_start_num: int | None = None,
        utility: str | None = None,
        kappa: float | None = None,
        xi: float | None = None,
        nu: float | None = None,
        alpha: float | None = None,
        selection_num_warm_up: int | None = None,
        selection_num_starting_points: int | None = None,
        multi_objective: str = "auto",
    ) -> None:
        if multi_objective not in ("auto", "ehvi", "parego"):
            raise TunerError(
                f"gp: multi_objective must be 'auto', 'ehvi' or 'parego', not {multi_objective!r}"
            )
        self.multi_objective = multi_objective
        startup = cold_start_num if cold_start_num is not None else n_startup
        super().__init__(search_space, optimize_mode, seed, n_startup=startup)
        self.n_pool = n_pool
        self._theta: np.ndarray | None = None
        self._fits = 0
        self._fill = np.array([0.0 if d.is_cat else 0.5 for d in self.encoding.dims])

    def _data(self, X: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(X), self._fill, X)

    def _fit(self, X: np.ndarray, y: np.ndarray, subset: bool = False) -> np.ndarray:
        from nniannot.runner.tuners.gp_model import warm_fit

        if subset and self._theta is not None and self._fits % 5:
            self._fits += 1  # a model of a subset moves little per trial: refit its kernel every 5th
            return self._theta
        self._theta = warm_fit(X, y, self.encoding.cat_mask, self._theta, self._fits)
        self._fits += 1
        return self._theta

    def propose(self) -> np.ndarray:
        with single_thread():
            if self.multi_active and self._use_parego():
                from nniannot.runner.tuners.mogp import ParEgo

                self._parego = getattr(self, "_parego", None) or ParEgo(self, self.n_pool, warp)
                return self._parego.propose()
            if self.multi_active:
                from nniannot.runner.tuners.ehvi import Ehvi

                self._ehvi = getattr(self, "_ehvi", None) or Ehvi(self, self.n_pool, warp)
                return self._ehvi.propose()
            return self._propose()

    def _use_parego(self) -> bool:
        if self.multi_objective == "parego" or self._mo_seen_violation:
            return True
        if self.multi_objective == "ehvi" or self.n_objectives < 3:
            return False
        return len(self._losses) < self.parego_until

    def _subset(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(y) <= self.max_points:
            return X, y
        from nniannot.runner.tuners.gp_model import spread_subset

        keep = spread_subset(np.argsort(y, kind="stable"), self.max_points, self.max_points // 3)
        return X[keep], y[keep]

    def _propose(self) -> np.ndarray:
        subset = len(self._losses) > self.max_points
        X, y = self._subset(self._data(self.X), finite_losses(self.y))
        if len(y) < 2 or np.ptp(y) == 0:
            return self.encoding.sample(self.rng, 1)
        from nniannot.runner.tuners.gp_acq import AcquisitionOptimizer
        from nniannot.runner.tuners.gp_model import GaussianProcess

        z = warp(y)
        theta = self._fit(X, z, subset)
        gp = GaussianProcess(X, z, self.encoding.cat_mask, theta)
        gp, _ = gp.believing(self._data(self.pending_X))
        order = np.argsort(z)
        opt = AcquisitionOptimizer(gp, self.encoding, float(z.min()), self.rng)
        return opt.run(X[order[:3]], n_pool=self.n_pool)

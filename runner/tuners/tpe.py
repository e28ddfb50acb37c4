"""Tree-structured Parzen Estimator: multivariate, constant liar for running trials, seeded.

Observations are split into the best ``min(ceil(gamma·n), 25)`` and the rest. ``l(x)`` is a Parzen
mixture over the good ones, weighted by how much each beats the split (EI weights); ``g(x)`` one over the
rest, running trials included (constant liar: a running trial counts as bad, so parallel suggestions
spread out). Candidates are drawn from ``l`` and ranked by ``log l - log g``.

Past ``max_bad`` observations, ``g(x)`` is fitted to ``max_bad`` of the rest, evenly spaced in rank order
(the same spread of values, at a fixed cost per suggestion); below it nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nniannot.errors import TunerError
from nniannot.runner.tuners.multi import MultiObjective
from nniannot.searchspace import SearchSpace

_NNI_TPE_ARGS = {"n_startup_jobs": "n_startup", "n_ei_candidates": "n_candidates", "gamma": "gamma"}


class TpeTuner(MultiObjective):
    """TPE over the encoded space; MOTPE (:mod:`~nniannot.runner.tuners.motpe`) with several objectives or
    violated constraints.

    Args:
        n_startup: trials from the space-filling start-up design before the model is used.
        gamma: fraction of observations in the good group (capped at 25 observations).
        n_candidates: draws from ``l(x)`` scored per suggestion.
        min_bandwidth: lower clip of numeric kernel widths, in units of the range.
        tpe_args: NNI's dict (``n_startup_jobs``, ``n_ei_candidates``, ``gamma``; other keys ignored).
        parallel_optimize, constant_liar_type: NNI's arguments, accepted; the liar is always on.
    """

    model_modules = ("nniannot.runner.tuners.parzen",)  # scipy: imported when the model is first used
    max_bad = 500  # observations in g(x); its cost grows with them, its shape barely does past this

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        n_startup: int = 10,
        gamma: float = 0.15,
        n_candidates: int = 64,
        min_bandwidth: float = 0.06,
        tpe_args: Mapping[str, Any] | None = None,
        parallel_optimize: bool = True,
        constant_liar_type: str | None = None,
    ) -> None:
        options = {"n_startup": n_startup, "gamma": gamma, "n_candidates": n_candidates}
        for key, value in (tpe_args or {}).items():
            if key in _NNI_TPE_ARGS:
                options[_NNI_TPE_ARGS[key]] = value
        if not 0 < float(options["gamma"]) < 1:
            raise TunerError(f"tpe: `0 < gamma < 1` must hold, but got gamma={options['gamma']!r}")
        super().__init__(search_space, optimize_mode, seed, n_startup=int(options["n_startup"]))
        self.gamma = float(options["gamma"])
        self.n_candidates = max(1, int(options["n_candidates"]))
        self.min_bandwidth = float(min_bandwidth)

    def split(self, n: int) -> int:
        return max(1, min(math.ceil(self.gamma * n), 25))

    def propose(self) -> np.ndarray:
        from nniannot.runner.tuners.parzen import ParzenEstimator

        if self.multi_active:
            from nniannot.runner.tuners.motpe import propose_motpe

            return propose_motpe(self, self.split(len(self._losses)), self.n_candidates, self.min_bandwidth)
        X, y = self.X, self.y
        if not np.isfinite(y).any():
            return self.encoding.sample(self.rng, 1)
        order = np.argsort(y, kind="stable")
        n_below = min(self.split(len(y)), int(np.isfinite(y).sum()))
        below, above = order[:n_below], order[n_below:]
        threshold = y[above[0]] if len(above) and np.isfinite(y[above[0]]) else y[below].max()
        w_below = np.maximum(threshold - y[below], 1e-12)
        w_below = w_below / w_below.max()
        floor = max(self.min_bandwidth, (len(y) + 2) ** -2.0)
        sizes = self.encoding.sizes
        good = ParzenEstimator(X[below], w_below, float(w_below.mean()), sizes, floor)
        if len(above) > self.max_bad:
            above = above[np.linspace(0, len(above) - 1, self.max_bad).round().astype(int)]
        bad_x = np.vstack([X[above], self.pending_X])
        bad = ParzenEstimator(bad_x, np.ones(len(bad_x)), 1.0, sizes, floor)
        cand = self.encoding.snap(good.sample(self.rng, self.n_candidates))
        score = good.log_pdf(cand) - bad.log_pdf(cand)
        return cand[np.argsort(-score, kind="stable")]

"""Annealing: perturb one of the best trials, less and less as results accumulate (Hyperopt's scheme).

The parent is drawn by rank from a geometric distribution (rank 0 half of the time), and every parameter of
the child is a perturbation of the parent's: a numeric one is drawn uniformly from a window of width
``1 / (1 + shrink_coef·T)`` of its (unit) range around the parent's value, shifted to stay inside; a
categorical one keeps the parent's value with probability ``1 - that width`` and is redrawn otherwise.
``T`` is the number of finished trials in which the parameter was active.
"""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.model import EncodedTuner
from nniannot.searchspace import SearchSpace


class AnnealTuner(EncodedTuner):
    """Args:
    n_startup: trials from the space-filling start-up design.
    avg_best_idx: mean rank (plus one) of the parent.
    shrink_coef: how fast the perturbation window shrinks with the number of results.
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        n_startup: int = 10,
        avg_best_idx: float = 2.0,
        shrink_coef: float = 0.15,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed, n_startup=n_startup)
        self.avg_best_idx = max(1.0, float(avg_best_idx))
        self.shrink_coef = float(shrink_coef)

    def propose(self) -> np.ndarray:
        X, y = self.X, self.y
        if not np.isfinite(y).any():
            return self.encoding.sample(self.rng, 1)
        order = np.argsort(y, kind="stable")[: int(np.isfinite(y).sum())]
        counts = (~np.isnan(X)).sum(axis=0)
        shrink = 1.0 / (1.0 + self.shrink_coef * counts)
        out = []
        for _ in range(8):
            rank = min(int(self.rng.geometric(1.0 / self.avg_best_idx)) - 1, len(order) - 1)
            out.append(self._child(X[order[rank]], shrink))
        return np.array(out)

    def _child(self, parent: np.ndarray, shrink: np.ndarray) -> np.ndarray:
        prior = self.encoding.sample(self.rng, 1)[0]
        child = prior.copy()
        for j, dim in enumerate(self.encoding.dims):
            v = parent[j]
            if np.isnan(v):
                continue
            if dim.is_cat:
                child[j] = v if self.rng.random() >= shrink[j] else prior[j]
            else:
                w = shrink[j]
                low = min(max(v - w / 2, 0.0), 1.0 - w)
                child[j] = low + w * self.rng.random()
        return child

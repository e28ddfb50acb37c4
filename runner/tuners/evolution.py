"""Regularized (aging) evolution (Real et al., AAAI 2019), sized for tens to hundreds of trials.

The population is the ``population_size`` most recently finished trials (so old lucky results age out).
Each child: sample ``sample_size`` of them uniformly, take the best as parent, and mutate it: every dimension
with probability ``1/d`` (at least one); a categorical takes a different value, a numeric one a Gaussian
step of ``step`` (unit range), or a fresh uniform draw one time in five.
"""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.multi import MultiObjective
from nniannot.searchspace import SearchSpace


class EvolutionTuner(MultiObjective):
    """With several objectives or violated constraints, NSGA-II selection instead of aging
    (:mod:`~nniannot.runner.tuners.nsga2`).

    Args:
    population_size: the population (NNI's argument); the first generation comes from the start-up design.
    sample_size: tournament size (default: a quarter of the population, at least 2).
    step: standard deviation of a numeric mutation, in units of the range.
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        population_size: int = 16,
        sample_size: int | None = None,
        step: float = 0.15,
    ) -> None:
        population_size = max(2, int(population_size))
        super().__init__(search_space, optimize_mode, seed, n_startup=population_size)
        self.population_size = population_size
        self.sample_size = max(2, int(sample_size) if sample_size else population_size // 4)
        self.step = float(step)

    def propose(self) -> np.ndarray:
        if self.multi_active:
            from nniannot.runner.tuners.nsga2 import propose_nsga2

            return propose_nsga2(self, self.population_size, self._mutate)
        X, y = self.X[-self.population_size :], self.y[-self.population_size :]
        if not np.isfinite(y).any():
            return self.encoding.sample(self.rng, 1)
        out = []
        for _ in range(8):
            picks = self.rng.choice(len(y), size=min(self.sample_size, len(y)), replace=False)
            parent = X[picks[np.argmin(y[picks])]]
            out.append(self._mutate(parent))
        return np.array(out)

    def _mutate(self, parent: np.ndarray) -> np.ndarray:
        dims = self.encoding.dims
        prior = self.encoding.sample(self.rng, 1)[0]
        child = np.where(np.isnan(parent), prior, parent)
        d = len(dims)
        flip = self.rng.random(d) < 1.0 / d
        flip[self.rng.integers(d)] = True
        for j in np.flatnonzero(flip):
            dim = dims[j]
            if dim.is_cat:
                if dim.size > 1:
                    child[j] = (child[j] + self.rng.integers(1, dim.size)) % dim.size
            elif self.rng.random() < 0.2:
                child[j] = prior[j]
            else:
                child[j] = float(np.clip(child[j] + self.step * self.rng.normal(), 0.0, 1.0))
        return child

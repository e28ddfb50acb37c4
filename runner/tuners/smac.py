"""SMAC: Bayesian optimisation with a random-forest surrogate (Hutter, Hoos & Leyton-Brown, LION 2011).

Per suggestion: fit the forest (:mod:`~nniannot.runner.tuners.forest`) to the warped losses, then maximise
expected improvement over random configurations and a local search from the ten best trials. A fraction
``random_fraction`` of the suggestions are random configurations instead (SMAC's interleaving, which keeps
the forest honest outside the region it believes in). Inactive dimensions of nested choices read as -1,
a value no active dimension takes, so the trees can tell them apart.
"""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.gp import warp
from nniannot.runner.tuners.model import EncodedTuner, finite_losses
from nniannot.runner.tuners.spaces import config_key
from nniannot.searchspace import SearchSpace

_INACTIVE = -1.0


class SmacTuner(EncodedTuner):
    """Random-forest BO, as SMAC does it (see the module docstring).

    Args:
        config_dedup: NNI's argument: never suggest a configuration already suggested (in a discrete space
            this always holds; with it, also in spaces with continuous parameters).
        n_startup: trials from the start-up design before the forest is used.
        n_trees: trees in the forest (SMAC: 10).
        n_random: random configurations scored per suggestion.
        random_fraction: share of suggestions that are random configurations.
    """

    model_modules = ("nniannot.runner.tuners.surrogate",)

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        config_dedup: bool = False,
        n_startup: int = 10,
        n_trees: int = 10,
        n_random: int = 500,
        random_fraction: float = 0.2,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed, n_startup=n_startup)
        self.config_dedup = bool(config_dedup)
        self.n_trees = max(1, int(n_trees))
        self.n_random = max(1, int(n_random))
        self.random_fraction = float(random_fraction)

    def _features(self, U: np.ndarray) -> np.ndarray:
        U = np.atleast_2d(U)
        return np.where(self.encoding.active(U) & ~np.isnan(U), U, _INACTIVE)

    def propose(self) -> np.ndarray:
        from nniannot.runner.tuners.forest import RandomForest
        from nniannot.runner.tuners.surrogate import expected_improvement, local_search, ranked

        y = finite_losses(self.y)
        random = self.encoding.sample(self.rng, self.n_random)
        if len(y) < 2 or np.ptp(y) == 0 or self.rng.random() < self.random_fraction:
            return self._dedup(random[:16])
        z = warp(y)
        forest = RandomForest(self.encoding.cat_mask, self.rng, n_trees=self.n_trees)
        forest.fit(self._features(self.X), z)
        best = float(z.min())

        def score(U: np.ndarray) -> np.ndarray:
            mean, std = forest.predict(self._features(U))
            return expected_improvement(mean, std, best)

        starts = self.filled(self.X[np.argsort(z, kind="stable")[:10]])
        points, scores = local_search(score, starts, self.encoding, self.rng)
        points = np.vstack([points, random])
        scores = np.concatenate([scores, score(random)])
        return self._dedup(ranked(points, scores))

    def _dedup(self, candidates: np.ndarray) -> np.ndarray:
        if not self.config_dedup:
            return candidates
        fresh = [u for u in candidates if config_key(self.encoding.decode(u)) not in self._seen]
        return np.array(fresh) if fresh else self.encoding.sample(self.rng, 16)

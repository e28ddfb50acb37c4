"""Random search: independent draws from each parameter's prior."""

from __future__ import annotations

import random
from typing import Any

from nniannot.searchspace import SearchSpace
from runner.tuners.base import Tuner


class RandomTuner(Tuner):
    def __init__(
        self, search_space: SearchSpace, optimize_mode: str = "maximize", seed: int | None = None
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self._rng = random.Random(seed)

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        return self.space.sample(self._rng)

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        """Random search learns nothing."""

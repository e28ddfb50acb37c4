"""Random search: independent draws from each parameter's prior."""

from __future__ import annotations

import random
from typing import Any

from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.spaces import config_key, enumerate_space, space_size
from nniannot.searchspace import SearchSpace

# Discrete spaces up to this size are listed to find the configurations not yet drawn.
_ENUMERATE_LIMIT = 200_000


class RandomTuner(Tuner):
    """Draws from the prior; in a discrete space each configuration at most once, then ``None``."""

    def __init__(
        self, search_space: SearchSpace, optimize_mode: str = "maximize", seed: int | None = None
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self._rng = random.Random(seed)
        self._size = space_size(search_space)
        self._seen: set[str] = set()

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if self._size is None:
            return self.space.sample(self._rng)
        if len(self._seen) >= self._size:
            return None
        for _ in range(64):
            params = self.space.sample(self._rng)
            key = config_key(params)
            if key not in self._seen:
                break
        else:
            if self._size <= _ENUMERATE_LIMIT:
                unseen = [p for p in enumerate_space(self.space) if config_key(p) not in self._seen]
                params = unseen[self._rng.randrange(len(unseen))]
                key = config_key(params)
        self._seen.add(key)
        return params

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        """Random search learns nothing (configurations run elsewhere are not drawn again)."""
        if self._size is not None:
            self._seen.add(config_key(params))

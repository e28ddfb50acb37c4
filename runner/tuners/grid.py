"""Grid search: every configuration of a discrete space, then ``None``; continuous parameters refined."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.spaces import config_key, enumerate_space, space_size
from nniannot.searchspace import SearchSpace

# A continuous space is refined this many times (2**(level+1) - 1 points per parameter) before stopping.
MAX_LEVEL = 12


class GridTuner(Tuner):
    """Enumerates the space in a fixed order (the seed is not used).

    Discrete parameters take all their values. Continuous ones start at the middle of their range (the
    median for normal types) and are refined by halving: level ``k`` adds the midpoints between the points
    of level ``k - 1``; every configuration is proposed once. Suggestions never depend on results.
    """

    def __init__(
        self, search_space: SearchSpace, optimize_mode: str = "maximize", seed: int | None = None
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self._seen: set[str] = set()
        self._iter = self._configs()

    def _configs(self) -> Iterator[dict[str, Any]]:
        last = 0 if space_size(self.space) is not None else MAX_LEVEL
        for level in range(last + 1):
            for params in enumerate_space(self.space, level):
                key = config_key(params)
                if key not in self._seen:
                    self._seen.add(key)
                    yield params

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        return next(self._iter, None)

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        """Grid search learns nothing."""

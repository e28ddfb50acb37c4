"""Batch tuner: run a given list of configurations, in order, once each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nniannot.errors import TunerError
from nniannot.runner.tuners.base import Tuner
from nniannot.searchspace import Choice, Nested, SearchSpace

COMBINE = "combine_params"


class BatchTuner(Tuner):
    """Hands out each configuration once, then ``None``.

    The configurations come from ``configs`` (a list of dicts), or, NNI's convention, from a search space
    ``{"combine_params": {"_type": "choice", "_value": [{...full config...}, ...]}}``; any other space is
    accepted only together with ``configs``.
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        configs: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self.configs = [dict(c) for c in (configs if configs is not None else self._from_space(search_space))]
        for i, c in enumerate(self.configs):
            if not isinstance(c, Mapping):
                raise TunerError(f"batch tuner: configuration {i} must be an object, but got {c!r}")
        self._next = 0

    @staticmethod
    def _from_space(space: SearchSpace) -> list[dict[str, Any]]:
        keys = space.keys()
        param = space[COMBINE] if COMBINE in keys else None
        if len(keys) != 1 or not isinstance(param, Choice):
            raise TunerError(
                f'batch tuner: the search space must be {{"{COMBINE}": {{"_type": "choice", "_value": '
                f"[{{...}}, ...]}}}} (or pass configs=[...]), but it has {', '.join(keys) or 'no keys'}"
            )
        out = []
        for i, option in enumerate(param.options):
            if isinstance(option, Nested) or not isinstance(option, Mapping):
                raise TunerError(
                    f"batch tuner: {COMBINE} option {i} must be a configuration object, but got {option!r}"
                )
            out.append(dict(option))
        return out

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if self._next >= len(self.configs):
            return None
        self._next += 1
        return dict(self.configs[self._next - 1])

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        """The batch is fixed: results change nothing."""

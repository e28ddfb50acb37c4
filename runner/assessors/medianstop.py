"""NNI's median stopping rule (Golovin et al., "Google Vizier", 2017), decision for decision."""

from __future__ import annotations

import math
from collections.abc import Sequence

from nniannot.errors import TunerError
from nniannot.runner.assessors.base import Assessor


class MedianstopAssessor(Assessor):
    """Stop a trial at step ``t`` if its best value so far is strictly worse than the median of the
    running averages, up to step ``t``, of the trials that completed.

    Same decisions as NNI's ``Medianstop``: nothing is decided before ``start_step`` values were
    reported or before one trial completed; a trial this assessor stopped, or one that failed, does not
    join the completed set; for an even count the median is the lower middle value when maximising and
    the upper one when minimising (NNI's choice, which favours keeping trials).

    Args:
        optimize_mode: ``"maximize"`` or ``"minimize"``.
        start_step: the number of intermediate results a trial must have reported before it can be stopped.
    """

    def __init__(self, optimize_mode: str = "maximize", start_step: int = 0) -> None:
        super().__init__(optimize_mode)
        if isinstance(start_step, bool) or not isinstance(start_step, int) or start_step < 0:
            raise TunerError(f"medianstop: `start_step >= 0` (an integer) must hold, but got {start_step!r}")
        self.start_step = start_step
        self._seen: set[str] = set()
        self._stopped: set[str] = set()
        # trial id -> running averages of its curve, one per step
        self._completed: dict[str, list[float]] = {}

    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        step = len(history)
        if step < self.start_step or step == 0:
            return False
        self._seen.add(trial_id)
        values = [float(v) for v in history]
        maximize = self.optimize_mode == "maximize"
        best = max(values) if maximize else min(values)
        averages = sorted(
            avg[step - 1]
            for avg in self._completed.values()
            if len(avg) >= step and not math.isnan(avg[step - 1])
        )
        if not averages:
            return False
        stop = best < averages[(len(averages) - 1) // 2] if maximize else best > averages[len(averages) // 2]
        if stop:
            self._stopped.add(trial_id)
        return stop

    def trial_end(self, trial_id: str, history: Sequence[float], succeeded: bool) -> None:
        """Completed trials that were assessed at least once join the reference set."""
        if trial_id not in self._seen:
            return
        self._seen.discard(trial_id)
        if not succeeded or trial_id in self._stopped:
            return
        total, averages = 0.0, []
        for i, v in enumerate(history, start=1):
            total += float(v)
            averages.append(total / i)
        self._completed[trial_id] = averages

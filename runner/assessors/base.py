"""The assessor interface: decide whether a running trial should stop early."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from nniannot.runner.tuners.base import check_optimize_mode


class Assessor(ABC):
    """Looks at a running trial's intermediate results and the histories of other trials.

    ``assess`` is called on every new intermediate result of a running trial with that trial's values so
    far (the metric's default, in report order); ``trial_end`` once per trial when it ends, with its whole
    history and whether it succeeded. Stopped trials count as ended (``succeeded=False`` is for failures).
    """

    def __init__(self, optimize_mode: str = "maximize") -> None:
        self.optimize_mode = check_optimize_mode(optimize_mode)

    @abstractmethod
    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        """True to stop the trial now."""

    def assess_reported(self, trial_id: str, history: Sequence[float], reported: Sequence[Any]) -> bool:
        """What the experiment calls: :meth:`assess`, with the intermediate results also as the trial
        reported them (numbers or dicts). Assessors that need only the numbers need not override it."""
        return self.assess(trial_id, history)

    def trial_end(self, trial_id: str, history: Sequence[float], succeeded: bool) -> None:  # noqa: B027
        """Learn a finished trial's curve. Assessors that keep no memory of other trials need not."""

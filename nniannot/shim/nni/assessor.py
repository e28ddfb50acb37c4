"""``nni.assessor``: the base class of an assessor written against NNI's API, and its verdicts."""

from __future__ import annotations

from enum import Enum
from typing import Any

from nni.recoverable import Recoverable  # type: ignore[import-not-found]

__all__ = ["AssessResult", "Assessor"]


class AssessResult(Enum):
    """``Good``: let the trial run on; ``Bad``: stop it now."""

    Good = True
    Bad = False


class Assessor(Recoverable):
    """Override ``assess_trial(trial_job_id, trial_history)``; ``trial_end`` if it is of use.

    ``trial_history`` holds the trial's intermediate results so far, as it reported them.
    """

    def assess_trial(self, trial_job_id: str, trial_history: list[Any]) -> AssessResult:
        raise NotImplementedError("Assessor: assess_trial not implemented")

    def trial_end(self, trial_job_id: str, success: bool) -> None:
        """A trial ended (``success``: it succeeded). Nothing by default."""

    def _on_exit(self) -> None:
        pass

    def _on_error(self) -> None:
        pass

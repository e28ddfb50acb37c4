"""An NNI assessor class (``nni.assessor.Assessor``'s API) as an nni-annot :class:`Assessor`.

``assess_trial(trial_job_id, trial_history)`` is called on every intermediate result, with the results so
far as the trial reported them; ``AssessResult.Bad`` (or False) stops the trial, ``AssessResult.Good`` (or
True) lets it run on. ``trial_end(trial_job_id, success)`` is called once per trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nniannot.runner.assessors.base import Assessor
from nniannot.runner.custom.calls import Caller


class NniAssessor(Assessor):
    """Adapts ``instance`` (built and called through ``caller``)."""

    def __init__(self, caller: Caller, instance: Any, optimize_mode: str) -> None:
        super().__init__(optimize_mode)
        self.caller, self.instance = caller, instance

    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        return self.assess_reported(trial_id, history, history)

    def assess_reported(self, trial_id: str, history: Sequence[float], reported: Sequence[Any]) -> bool:
        verdict = self.caller.call("assess_trial", self.instance.assess_trial, trial_id, list(reported))
        if isinstance(verdict, bool):
            return not verdict
        name = getattr(verdict, "name", None)
        if type(verdict).__name__ == "AssessResult" and name in ("Good", "Bad"):
            return name == "Bad"
        raise self.caller.error(
            "assess_trial", f"returned {verdict!r}, not AssessResult.Good or AssessResult.Bad"
        )

    def trial_end(self, trial_id: str, history: Sequence[float], succeeded: bool) -> None:
        self.caller.call("trial_end", self.instance.trial_end, trial_id, bool(succeeded))

"""A custom class written against nni-annot's own interfaces (``nniannot.runner.tuners.Tuner``,
``nniannot.runner.assessors.Assessor``), called under the same deadline and checks as NNI's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nniannot.runner.assessors.base import Assessor
from nniannot.runner.custom.calls import Caller
from nniannot.runner.tuners.base import Tuner


class GuardedTuner(Tuner):
    """``instance``'s suggestions, checked against its space; each call with ``caller``'s deadline."""

    def __init__(self, caller: Caller, instance: Tuner) -> None:
        super().__init__(instance.space, instance.optimize_mode, instance.seed)
        self.caller, self.instance = caller, instance

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        params = self.caller.call("suggest", self.instance.suggest, trial_id)
        return None if params is None else self.caller.parameters("suggest", params, self.space)

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        self.caller.call("observe", self.instance.observe, trial_id, params, value)

    def observe_trial(
        self,
        trial_id: str,
        params: dict[str, Any],
        value: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        own = type(self.instance).observe_trial is not Tuner.observe_trial
        method = "observe_trial" if own else "observe"
        self.caller.call(method, self.instance.observe_trial, trial_id, params, value, reported, status)

    def more_after_results(self) -> bool:
        return bool(self.caller.call("more_after_results", self.instance.more_after_results))


class GuardedAssessor(Assessor):
    """``instance``'s verdicts; each call with ``caller``'s deadline."""

    def __init__(self, caller: Caller, instance: Assessor) -> None:
        super().__init__(instance.optimize_mode)
        self.caller, self.instance = caller, instance

    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        return bool(self.caller.call("assess", self.instance.assess, trial_id, history))

    def assess_reported(self, trial_id: str, history: Sequence[float], reported: Sequence[Any]) -> bool:
        own = type(self.instance).assess_reported is not Assessor.assess_reported
        method = "assess_reported" if own else "assess"
        return bool(self.caller.call(method, self.instance.assess_reported, trial_id, history, reported))

    def trial_end(self, trial_id: str, history: Sequence[float], succeeded: bool) -> None:
        self.caller.call("trial_end", self.instance.trial_end, trial_id, history, succeeded)

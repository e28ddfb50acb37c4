"""An NNI tuner class (``nni.tuner.Tuner``'s API) as an nni-annot :class:`Tuner`.

It is called as NNI's dispatcher called it: ``update_search_space(space)`` once; then
``generate_multiple_parameters(ids, st_callback=...)`` with new integer parameter ids (as many as trials
run at once the first time, one at a time after); ``receive_trial_result(id, parameters, value,
customized=False, trial_job_id=...)`` when a trial reported a final result, ``value`` as the trial gave it;
``trial_end(id, success)`` when it ends. Results of trials from before a resume go to ``import_data``.

``NoMoreTrialError`` (or fewer configurations than asked for) means: none now. While trials run the
experiment asks again when one ends; when none runs, the experiment ends normally.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from nniannot.runner.custom.calls import Caller, NoMoreTrials
from nniannot.runner.store import SUCCEEDED
from nniannot.runner.tuners.base import Tuner
from nniannot.searchspace import SearchSpace


class NniSide(Tuner):
    """What the adapters of NNI's tuners and advisors share: a class that says "nothing now" may have more
    once results arrive, and every result goes through :meth:`observe_trial` as NNI's value."""

    def __init__(
        self, caller: Caller, instance: Any, space: SearchSpace, optimize_mode: str, batch: int = 1
    ) -> None:
        super().__init__(space, optimize_mode)
        self.caller, self.instance, self.batch = caller, instance, max(1, int(batch))
        self._none_now = False

    def more_after_results(self) -> bool:
        return self._none_now

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        finite = value is not None and math.isfinite(value)
        self.observe_trial(trial_id, params, value, value if finite else None, SUCCEEDED if finite else None)


class NniTuner(NniSide):
    """Adapts ``instance`` (built and called through ``caller``); ``batch``: trials that run at once."""

    def __init__(
        self, caller: Caller, instance: Any, space: SearchSpace, optimize_mode: str, batch: int = 1
    ) -> None:
        super().__init__(caller, instance, space, optimize_mode, batch)
        self._next_id = 0
        self._asked = False
        self._ready: deque[tuple[int, dict[str, Any]]] = deque()
        self._ids: dict[str, int] = {}  # trial id -> parameter id
        self._params: dict[int, dict[str, Any]] = {}
        caller.call("update_search_space", instance.update_search_space, space.to_json())

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if not self._ready:
            self._generate(self.batch if not self._asked else 1)
            self._asked = True
        if not self._ready:
            self._none_now = True
            return None
        self._none_now = False
        parameter_id, params = self._ready.popleft()
        self._ids[trial_id] = parameter_id
        self._params[parameter_id] = params
        return dict(params)

    def _generate(self, count: int) -> None:
        ids = list(range(self._next_id, self._next_id + count))
        self._next_id += count
        sent: list[tuple[int, Any]] = []

        def st_callback(parameter_id: int, parameters: Any) -> None:  # NNI's way to hand one out early
            sent.append((parameter_id, parameters))

        method = "generate_multiple_parameters"
        try:
            got = self.caller.call(
                method, self.instance.generate_multiple_parameters, ids, no_more=True, st_callback=st_callback
            )
        except NoMoreTrials:
            got = []
        if got is None:
            got = []
        if not isinstance(got, (list, tuple)):
            raise self.caller.error(method, f"returned {type(got).__name__}, not a list of parameter sets")
        for parameter_id, params in [*sent, *zip(ids, got)]:
            self._ready.append((parameter_id, self.caller.parameters(method, params, self.space)))

    def observe_trial(
        self,
        trial_id: str,
        params: dict[str, Any],
        value: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        parameter_id = self._ids.pop(trial_id, None)
        if parameter_id is None:  # a trial from before a resume
            if reported is not None:
                record = {"parameter": dict(params), "value": reported}
                self.caller.call("import_data", self.instance.import_data, [record])
            return
        parameters = self._params.pop(parameter_id)
        if reported is not None:
            self.caller.call(
                "receive_trial_result", self.instance.receive_trial_result, parameter_id, parameters, reported,
                customized=False, trial_job_id=trial_id,
            )  # fmt: skip
        self.caller.call("trial_end", self.instance.trial_end, parameter_id, status == SUCCEEDED)

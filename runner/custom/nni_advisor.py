"""An NNI advisor (a ``MsgDispatcherBase`` subclass) as an nni-annot :class:`Tuner` plus its assessor part.

It is driven as NNI's manager drove it: ``handle_initialize(search_space)`` once;
``handle_request_trial_jobs(n)`` for as many trials as run at once, then for one more each time a trial
ends; ``handle_report_metric_data`` for each intermediate result (PERIODICAL) and the final one (FINAL), the
value as JSON text; ``handle_trial_end`` with the trial's status as ``event``. What the advisor sends is
acted on: ``NewTrialJob`` parameters become the next trials, ``KillTrialJob`` stops that trial (at its next
intermediate result), ``NoMoreTrialJobs`` means none now (the experiment ends when none runs and none came).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from typing import Any

from nniannot.runner.assessors.base import Assessor
from nniannot.runner.custom.calls import Caller
from nniannot.runner.custom.nni_tuner import NniSide
from nniannot.searchspace import SearchSpace


class NniAdvisor(NniSide):
    """Adapts ``instance`` (built and called through ``caller``); ``batch``: trials that run at once."""

    def __init__(
        self, caller: Caller, instance: Any, space: SearchSpace, optimize_mode: str, batch: int = 1
    ) -> None:
        super().__init__(caller, instance, space, optimize_mode, batch)
        self._sent: list[dict[str, Any]] = []  # NewTrialJob records of the current call
        self._errors: list[str] = []
        self._ready: deque[tuple[Any, dict[str, Any]]] = deque()
        self._trials: dict[str, tuple[Any, str]] = {}  # trial id -> (parameter id, hyper_params JSON)
        self.kills: set[str] = set()
        self._requested = False
        instance.send = self._receive  # what `self.send(...)` of the advisor reaches
        protocol = caller.loaded.scope.modules.get("nni.runtime.protocol")
        if protocol is not None:
            protocol._outbox = self._receive  # type: ignore[attr-defined]  # NNI 1.x/2.0: module-level send
        self.assessor_part = _AdvisorMetrics(self)
        self._handle("handle_initialize", space.to_json())

    # commands from the advisor ---------------------------------------------------------------------

    def _receive(self, command: Any, data: Any) -> None:
        name = getattr(command, "name", str(command))
        if name == "NewTrialJob":
            self._sent.append(_decoded(data))
        elif name == "KillTrialJob":
            self.kills.add(str(_decoded(data)))
        elif name == "Error":
            self._errors.append(str(data))
        # Initialized, NoMoreTrialJobs: nothing to do; SendTrialJobParameter: no multi-phase trials here

    def _handle(self, method: str, data: Any) -> None:
        self._sent, self._errors = [], []
        self.caller.call(method, getattr(self.instance, method), data)
        if self._errors:
            raise self.caller.error(method, f"reported an error: {self._errors[0]}")
        for record in self._sent:
            if not isinstance(record, dict) or "parameters" not in record:
                raise self.caller.error(method, f"sent a NewTrialJob without parameters: {str(record)[:300]}")
            params = self.caller.parameters(f"{method} (NewTrialJob)", record["parameters"], self.space)
            self._ready.append((record.get("parameter_id"), params))
        self._sent = []

    # the tuner -------------------------------------------------------------------------------------

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if not self._requested:
            self._requested = True
            self._handle("handle_request_trial_jobs", self.batch)
        if not self._ready:
            self._none_now = True
            return None
        self._none_now = False
        parameter_id, params = self._ready.popleft()
        packed = {"parameter_id": parameter_id, "parameter_source": "algorithm", "parameters": params,
                  "parameter_index": 0}  # fmt: skip
        self._trials[trial_id] = (parameter_id, json.dumps(packed))
        return dict(params)

    def observe_trial(
        self,
        trial_id: str,
        params: dict[str, Any],
        value: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        known = self._trials.pop(trial_id, None)
        if known is None:  # a trial from before a resume
            if reported is not None and _overrides(self.instance, "handle_import_data"):
                self._handle("handle_import_data", [{"parameter": dict(params), "value": reported}])
            return
        parameter_id, packed = known
        if reported is not None:
            self.metric(trial_id, parameter_id, "FINAL", 0, reported)
        self._handle(
            "handle_trial_end",
            {"trial_job_id": trial_id, "event": status or "FAILED", "hyper_params": packed},
        )
        self.kills.discard(trial_id)
        self._handle("handle_request_trial_jobs", 1)

    def metric(self, trial_id: str, parameter_id: Any, kind: str, sequence: int, value: Any) -> None:
        data = {"parameter_id": parameter_id, "trial_job_id": trial_id, "type": kind, "sequence": sequence,
                "value": json.dumps(value)}  # fmt: skip
        self._handle("handle_report_metric_data", data)

    def parameter_id(self, trial_id: str) -> Any:
        known = self._trials.get(trial_id)
        return None if known is None else known[0]


class _AdvisorMetrics(Assessor):
    """Passes a running trial's intermediate results to the advisor; stops the trials it asked to kill."""

    def __init__(self, advisor: NniAdvisor) -> None:
        super().__init__(advisor.optimize_mode)
        self.advisor = advisor

    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        return self.assess_reported(trial_id, history, history)

    def assess_reported(self, trial_id: str, history: Sequence[float], reported: Sequence[Any]) -> bool:
        if reported:
            parameter_id = self.advisor.parameter_id(trial_id)
            self.advisor.metric(trial_id, parameter_id, "PERIODICAL", len(reported) - 1, reported[-1])
        return trial_id in self.advisor.kills


def _decoded(data: Any) -> Any:
    if isinstance(data, (str, bytes)):
        try:
            return json.loads(data)
        except ValueError:
            return data.decode() if isinstance(data, bytes) else data
    return data


def _overrides(instance: Any, method: str) -> bool:
    """Whether ``method`` is the class's own and not MsgDispatcherBase's (which only raises)."""
    fn = getattr(type(instance), method, None)
    return fn is not None and not getattr(fn, "__qualname__", "").startswith("MsgDispatcherBase.")

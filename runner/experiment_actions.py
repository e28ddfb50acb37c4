"""Applying the actions other processes post for a running experiment (viewer buttons, ``nni-annot stop``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nniannot.errors import NniAnnotError
from nniannot.runner.config import parse_duration
from nniannot.runner.outcome import STOP_USER
from nniannot.runner.store import FAILED, Action
from nniannot.searchspace import SearchSpace

if TYPE_CHECKING:
    from nniannot.runner.experiment import ExperimentLoop


class ActionHandler:
    """Takes pending actions from the store, applies them to a loop and records each result."""

    def __init__(self, loop: ExperimentLoop) -> None:
        self.loop = loop

    def apply(self) -> None:
        store = self.loop.store
        for action in store.take_actions(self.loop.exp_id):
            try:
                result = self._apply(action)
            except NniAnnotError as exc:
                result = f"refused: {exc}"
            store.finish_action(action.id, result)

    def _apply(self, action: Action) -> str:
        handler = getattr(self, f"_{action.kind}", None)
        if handler is None:
            return f"refused: unknown action {action.kind!r}"
        return str(handler(action.payload))

    def _kill_trial(self, payload: dict[str, Any]) -> str:
        trial_id = str(payload.get("trial_id"))
        live = self.loop.live.get(trial_id)
        if live is None:
            return f"refused: trial {trial_id} is not running"
        if live.stop_reason is None:
            live.stop_reason = STOP_USER
            self.loop.backend.cancel(trial_id)
        return "ok"

    def _stop_experiment(self, payload: dict[str, Any]) -> str:
        self.loop.request_stop()
        return "ok"

    def _rerun_failed(self, payload: dict[str, Any]) -> str:
        failed = self.loop.store.list_trials(self.loop.exp_id, status=FAILED, revision=self.loop.revision)
        self.loop.extra.extend(dict(t.params) for t in failed)
        return f"ok: {len(failed)} trial(s) queued"

    def _add_trial(self, payload: dict[str, Any]) -> str:
        params = payload.get("params")
        if not isinstance(params, dict):
            return "refused: add_trial needs {'params': {...}}"
        space = self.loop.store.get_experiment(self.loop.exp_id).search_space
        SearchSpace.from_json(space).check({k: v for k, v in params.items() if k != "TRIAL_BUDGET"})
        self.loop.extra.append(params)
        return "ok"

    def _update_limits(self, payload: dict[str, Any]) -> str:
        limits = self.loop.limits
        changes: dict[str, Any] = {}
        if "max_trials" in payload:
            value = payload["max_trials"]
            if value is not None and (not isinstance(value, int) or value < 1):
                return f"refused: max_trials must be a positive whole number, got {value!r}"
            limits.max_trials = changes["max_trials"] = value
        if "max_duration" in payload:
            limits.max_duration = changes["max_duration"] = parse_duration(
                payload["max_duration"], "max_duration"
            )
        if "concurrency" in payload:
            value = payload["concurrency"]
            if not isinstance(value, int) or value < 1:
                return f"refused: concurrency must be a positive whole number, got {value!r}"
            limits.concurrency = changes["concurrency"] = value
        if changes:
            self.loop.store.update_experiment(self.loop.exp_id, **changes)
        return "ok"

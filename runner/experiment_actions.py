"""Applying the actions other processes post for a running experiment (viewer buttons, ``nni-annot stop``).

Every payload is checked before anything changes: a payload that breaks a rule (a limit out of the ranges
of :mod:`nniannot.runner.bounds`, parameters outside the search space, a missing trial id) refuses the
action, which is then marked applied with the result ``"refused: <why>"``, so a bad action never stays
queued to trouble the next ``resume``. The handler reaches the loop only through :class:`LoopControls`.
"""

from __future__ import annotations

from typing import Any, Protocol

from nniannot.errors import ConfigError, NniAnnotError
from nniannot.runner.bounds import check_int, check_seconds
from nniannot.runner.config import parse_duration
from nniannot.runner.store import Action, Store
from nniannot.searchspace import SearchSpace


class LoopControls(Protocol):
    """What actions may do to a running experiment loop."""

    def request_stop(self) -> None: ...

    def kill_trial(self, trial_id: str) -> bool: ...

    def rerun_failed(self, exclusive: bool = False) -> int: ...

    def add_trial(self, params: dict[str, Any]) -> None: ...

    def update_limits(self, changes: dict[str, Any]) -> None: ...


class ActionHandler:
    """Takes pending actions of ``exp_id`` from the store, applies them to ``loop``, records each result."""

    def __init__(self, store: Store, exp_id: str, loop: LoopControls) -> None:
        self.store, self.exp_id, self.loop = store, exp_id, loop

    def apply(self) -> None:
        """Apply every pending action; each one ends marked applied, with "ok..." or "refused: ..."."""
        for action in self.store.take_actions(self.exp_id):
            self.store.finish_action(action.id, self._result(action))

    def _result(self, action: Action) -> str:
        try:
            handler = getattr(self, f"_{action.kind}", None)
            if handler is None:
                return f"refused: unknown action {action.kind!r}"
            if not isinstance(action.payload, dict):
                return f"refused: an action's payload must be a JSON object, but got {action.payload!r:.80}"
            return str(handler(action.payload))
        except NniAnnotError as exc:
            return f"refused: {exc}"
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # whatever a payload provokes
            return f"refused: {type(exc).__name__}: {exc}"

    def _kill_trial(self, payload: dict[str, Any]) -> str:
        trial_id = payload.get("trial_id")
        if not isinstance(trial_id, str):
            return f"refused: kill_trial needs {{'trial_id': '<id>'}}, but got {payload!r:.80}"
        if not self.loop.kill_trial(trial_id):
            return f"refused: trial {trial_id} is not running"
        return "ok"

    def _stop_experiment(self, payload: dict[str, Any]) -> str:
        self.loop.request_stop()
        return "ok"

    def _rerun_failed(self, payload: dict[str, Any]) -> str:
        return f"ok: {self.loop.rerun_failed()} trial(s) queued"

    def _add_trial(self, payload: dict[str, Any]) -> str:
        params = payload.get("params")
        if not isinstance(params, dict):
            return "refused: add_trial needs {'params': {...}}"
        space = self.store.get_experiment(self.exp_id).search_space
        SearchSpace.from_json(space).check({k: v for k, v in params.items() if k != "TRIAL_BUDGET"})
        self.loop.add_trial(params)
        return "ok"

    def _update_limits(self, payload: dict[str, Any]) -> str:
        unknown = sorted(set(payload) - {"max_trials", "max_duration", "concurrency"})
        if unknown:
            return (
                f"refused: update_limits changes max_trials, max_duration and concurrency, not {unknown[0]!r}"
            )
        changes = {name: checked_limit(name, value) for name, value in payload.items()}
        if changes:
            self.loop.update_limits(changes)
        return "ok"


def checked_limit(name: str, value: Any) -> Any:
    """``value`` for limit ``name`` once it is inside its range; ConfigError saying the rule otherwise.

    None lifts ``max_trials`` and ``max_duration``; a duration may be a number of seconds or text like "10m".
    """
    if name == "concurrency":
        return check_int(name, value)
    if value is None:
        return None
    if name == "max_trials":
        return check_int(name, value)
    if isinstance(value, str):
        value = parse_duration(value, name)
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{name} must be like 30s, 10m, 1h or 2d, but got {value!r}")
    return check_seconds(name, value)

"""The JSON shapes of the API (documented in docs/api.md): experiments, trials and search-space columns."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from flask.json.provider import DefaultJSONProvider

from nniannot.runner.store import FINISHED_STATUSES, RUNNING, Experiment, Trial, owner_alive
from nniannot.runner.store.fields import pick, trial_fields
from nniannot.searchspace import short_names

LOG_TYPES = frozenset({"loguniform", "qloguniform", "lognormal", "qlognormal"})


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but never emitting NaN/Infinity, which browsers' JSON.parse rejects."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        try:
            return json.dumps(obj, allow_nan=False, default=self.default, **kwargs)  # type: ignore[arg-type]
        except ValueError:
            return json.dumps(finite(obj), allow_nan=False, default=self.default, **kwargs)  # type: ignore[arg-type]


def is_live(exp: Experiment) -> bool:
    """Whether a runner is working on ``exp`` now (so its page should refresh and actions make sense)."""
    return exp.status == RUNNING and owner_alive(exp.owner_pid, exp.owner_host, exp.heartbeat_at)


def experiment_summary(exp: Experiment) -> dict[str, Any]:
    """What the experiment list shows: status, counts, best value, times, limits."""
    end = exp.ended_at if exp.ended_at is not None else (time.time() if is_live(exp) else None)
    return {
        "id": exp.id,
        "name": exp.name,
        "status": exp.status,
        "live": is_live(exp),
        "message": exp.message,
        "created_at": exp.created_at,
        "started_at": exp.started_at,
        "ended_at": exp.ended_at,
        "duration": None if exp.started_at is None or end is None else end - exp.started_at,
        "optimize_mode": exp.optimize_mode,
        "tuner": exp.tuner,
        "assessor": exp.assessor,
        "max_trials": exp.max_trials,
        "max_duration": exp.max_duration,
        "concurrency": exp.concurrency,
        "revision": exp.revision,
        "parent_id": exp.parent_id,
        "counts": exp.counts,
        "trial_count": exp.trial_count,
        "done": sum(n for s, n in exp.counts.items() if s in FINISHED_STATUSES),
        "best": {"value": exp.best_value, "trial_id": exp.best_trial_id, "params": exp.best_params},
        "change_seq": exp.change_seq,
    }


def param_columns(search_space: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per search-space key: full key, short name, type, log scale, and options or range."""
    shorts = short_names(list(search_space))
    out = []
    for key, spec in search_space.items():
        kind = spec.get("_type") if isinstance(spec, dict) else None
        value = spec.get("_value") if isinstance(spec, dict) else None
        column: dict[str, Any] = {
            "key": key,
            "short": shorts.get(key, key),
            "type": kind,
            "log": kind in LOG_TYPES,
        }
        if kind == "choice" and isinstance(value, list):
            column["options"] = [o.get("_name", o) if isinstance(o, dict) else o for o in value]
        elif kind == "mutable_layer" and isinstance(value, dict):
            column["layers"] = value
        elif isinstance(value, list) and len(value) >= 2:
            column["range"] = value[:2]
        out.append(column)
    return out


def experiment_detail(exp: Experiment, metric_keys: list[str]) -> dict[str, Any]:
    """The summary plus configuration, search space (as columns) and command."""
    return {
        **experiment_summary(exp),
        "config": exp.config,
        "search_space": exp.search_space,
        "params": param_columns(exp.search_space),
        "metric_keys": metric_keys,
        "command": exp.command,
        "code_dir": exp.code_dir,
        "parent_id": exp.parent_id,
    }


ROW_KEYS = ("id", "seq", "status", "params", "final", "final_default", "intermediate_count", "last_intermediate",
            "exit_code", "message", "reason", "created_at", "started_at", "ended_at", "duration", "revision")  # fmt: skip
DETAIL_KEYS = (*ROW_KEYS, "command", "dir", "stderr_tail")


def trial_row(trial: Trial) -> dict[str, Any]:
    """A trial as the trials table and live updates see it; ``reason`` says why it did not succeed."""
    return pick(trial_fields(trial), ROW_KEYS)


def trial_detail(trial: Trial) -> dict[str, Any]:
    """A trial with everything the detail page shows except logs (served separately)."""
    return pick(trial_fields(trial), DETAIL_KEYS)

"""The plain values the store returns: statuses and frozen dataclasses built from rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

# Trial statuses (NNI's names).
WAITING = "WAITING"
RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
EARLY_STOPPED = "EARLY_STOPPED"
USER_CANCELED = "USER_CANCELED"
SYS_CANCELED = "SYS_CANCELED"
TRIAL_STATUSES = (WAITING, RUNNING, SUCCEEDED, FAILED, EARLY_STOPPED, USER_CANCELED, SYS_CANCELED)
FINISHED_STATUSES = frozenset({SUCCEEDED, FAILED, EARLY_STOPPED, USER_CANCELED, SYS_CANCELED})
ACTIVE_STATUSES = frozenset({WAITING, RUNNING})

# Experiment statuses.
CREATED = "CREATED"
EXP_RUNNING = "RUNNING"
DONE = "DONE"
STOPPED = "STOPPED"
ERROR = "ERROR"
EXPERIMENT_STATUSES = (CREATED, EXP_RUNNING, DONE, STOPPED, ERROR)

# Action kinds that readers may post for the owning runner.
ACTION_KINDS = ("kill_trial", "stop_experiment", "rerun_failed", "add_trial", "update_limits")


def loads(text: str | None, default: Any = None) -> Any:
    """Decode a JSON column; NULL gives ``default``."""
    return default if text is None else json.loads(text)


@dataclass(frozen=True)
class Experiment:
    """One experiment. ``counts`` maps each trial status to its number of trials (all statuses present);
    ``best_value``/``best_trial_id`` rank finished trials by ``final_default`` in ``optimize_mode``."""

    id: str
    name: str
    status: str
    message: str | None
    created_at: float
    started_at: float | None
    ended_at: float | None
    config: dict[str, Any]
    search_space: dict[str, Any]
    command: list[str]
    code_dir: str | None
    optimize_mode: str
    tuner: str | None
    assessor: str | None
    max_trials: int | None
    max_duration: float | None
    concurrency: int
    revision: int
    parent_id: str | None
    owner_pid: int | None
    owner_host: str | None
    heartbeat_at: float | None
    change_seq: int
    counts: dict[str, int] = field(default_factory=dict)
    best_value: float | None = None
    best_trial_id: str | None = None
    best_params: dict[str, Any] | None = None

    @property
    def trial_count(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def from_row(cls, row: sqlite3.Row, **extra: Any) -> Experiment:
        return cls(
            id=row["id"],
            name=row["name"],
            status=row["status"],
            message=row["message"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            config=loads(row["config"], {}),
            search_space=loads(row["search_space"], {}),
            command=loads(row["command"], []),
            code_dir=row["code_dir"],
            optimize_mode=row["optimize_mode"],
            tuner=row["tuner"],
            assessor=row["assessor"],
            max_trials=row["max_trials"],
            max_duration=row["max_duration"],
            concurrency=row["concurrency"],
            revision=row["revision"],
            parent_id=row["parent_id"],
            owner_pid=row["owner_pid"],
            owner_host=row["owner_host"],
            heartbeat_at=row["heartbeat_at"],
            change_seq=row["change_seq"],
            **extra,
        )


@dataclass(frozen=True)
class Trial:
    """One trial. ``final`` is the final metric as reported (number or dict), ``final_default`` its number.

    ``attempt`` is the number of the attempt that counts (0: never started); ``dir`` is that attempt's
    directory and every result is that attempt's.
    """

    experiment_id: str
    id: str
    seq: int
    status: str
    params: dict[str, Any]
    final_default: float | None
    final: Any
    intermediate_count: int
    last_intermediate: float | None
    exit_code: int | None
    stderr_tail: str | None
    message: str | None
    created_at: float
    started_at: float | None
    ended_at: float | None
    dir: str | None
    command: list[str]
    revision: int
    updated_seq: int
    attempt: int = 0

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (or None while not both are known)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Trial:
        return cls(
            experiment_id=row["experiment_id"],
            id=row["id"],
            seq=row["seq"],
            status=row["status"],
            params=loads(row["params"], {}),
            final_default=row["final_default"],
            final=loads(row["final_metric"]),
            intermediate_count=row["intermediate_count"],
            last_intermediate=row["last_intermediate"],
            exit_code=row["exit_code"],
            stderr_tail=row["stderr_tail"],
            message=row["message"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            dir=row["dir"],
            command=loads(row["command"], []),
            revision=row["revision"],
            updated_seq=row["updated_seq"],
            attempt=row["attempt"],
        )


@dataclass(frozen=True)
class Intermediate:
    """One intermediate result of a trial: ``default`` is its number, ``value`` what was reported."""

    trial_id: str
    seq: int
    default: float
    value: Any
    created_at: float
    change_seq: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Intermediate:
        return cls(
            row["trial_id"],
            row["seq"],
            row["value_default"],
            loads(row["value"]),
            row["created_at"],
            row["change_seq"],
        )


@dataclass(frozen=True)
class StatusChange:
    """A status an experiment (``trial_id`` None) or a trial entered, and when."""

    trial_id: str | None
    status: str
    at: float
    message: str | None


@dataclass(frozen=True)
class Action:
    """A request to the runner that owns an experiment; ``applied_at`` is None until it is applied."""

    id: int
    experiment_id: str
    kind: str
    payload: dict[str, Any]
    created_at: float
    applied_at: float | None
    result: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Action:
        return cls(
            row["id"],
            row["experiment_id"],
            row["kind"],
            loads(row["payload"], {}),
            row["created_at"],
            row["applied_at"],
            row["result"],
        )


@dataclass(frozen=True)
class Changes:
    """What changed in an experiment since a reader's last ``change_seq``: pass ``change_seq`` next time."""

    change_seq: int
    experiment: Experiment
    trials: list[Trial]
    intermediates: list[Intermediate]

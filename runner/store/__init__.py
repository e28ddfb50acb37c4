"""The experiment store: one SQLite file per home directory (``<home>/store.db``).

Readers (the CLI's ``list``/``show``/``export``, the viewer) use :class:`StoreReader` (or
:func:`open_reader`); the runner that owns an experiment writes through :class:`Store`. Everything returned
is a plain dataclass from :mod:`nniannot.runner.store.records`; every failure is a StoreError (ExperimentNotFound for
an unknown experiment), never a raw sqlite3 error. The schema is documented in :mod:`nniannot.runner.store.schema`.

Typical reader use::

    with open_reader(home_store_path) as store:
        for exp in store.list_experiments():
            print(exp.id, exp.status, exp.counts, exp.best_value)
        page = store.list_trials(exp_id, order_by="best", limit=50, offset=0)
        changes = store.changes_since(exp_id, last_seen)   # live update; keep changes.change_seq
"""

from __future__ import annotations

from nniannot.runner.store.lineage import revisions
from nniannot.runner.store.query import (
    StepSummary,
    TrialPage,
    TrialPoint,
    TrialQuery,
    intermediate_summary,
    metric_keys,
    query_trials,
    trial_ids,
    trial_params,
    trial_points,
)
from nniannot.runner.store.reader import StoreReader
from nniannot.runner.store.records import (
    ACTION_KINDS,
    ACTIVE_STATUSES,
    CREATED,
    DONE,
    EARLY_STOPPED,
    ERROR,
    EXP_RUNNING,
    EXPERIMENT_STATUSES,
    FAILED,
    FINISHED_STATUSES,
    RUNNING,
    STOPPED,
    SUCCEEDED,
    SYS_CANCELED,
    TRIAL_STATUSES,
    USER_CANCELED,
    WAITING,
    Action,
    Changes,
    Experiment,
    Intermediate,
    StatusChange,
    Trial,
)
from nniannot.runner.store.schema import SCHEMA_VERSION
from nniannot.runner.store.writer import Store, owner_alive

STORE_FILE = "store.db"


def open_reader(path: str) -> StoreReader:
    """A read-only connection to the store file at ``path`` (an empty store is created if missing)."""
    return StoreReader(path)


def open_store(path: str) -> Store:
    """The store at ``path`` opened for writing (created if missing)."""
    return Store(path)


__all__ = [
    "ACTION_KINDS",
    "ACTIVE_STATUSES",
    "CREATED",
    "DONE",
    "EARLY_STOPPED",
    "ERROR",
    "EXPERIMENT_STATUSES",
    "EXP_RUNNING",
    "FAILED",
    "FINISHED_STATUSES",
    "RUNNING",
    "SCHEMA_VERSION",
    "STOPPED",
    "STORE_FILE",
    "SUCCEEDED",
    "SYS_CANCELED",
    "TRIAL_STATUSES",
    "USER_CANCELED",
    "WAITING",
    "Action",
    "Changes",
    "Experiment",
    "Intermediate",
    "StatusChange",
    "StepSummary",
    "Store",
    "StoreReader",
    "Trial",
    "TrialPage",
    "TrialPoint",
    "TrialQuery",
    "intermediate_summary",
    "metric_keys",
    "open_reader",
    "open_store",
    "owner_alive",
    "query_trials",
    "revisions",
    "trial_ids",
    "trial_params",
    "trial_points",
]

"""The store keeps one attempt per trial, upgrades old stores, refuses impossible limits, knows its owner."""

from __future__ import annotations

import os
import socket
import sqlite3
import time

import pytest

from nniannot.errors import ConfigError
from nniannot.runner.store import (
    EXP_RUNNING,
    RUNNING,
    SCHEMA_VERSION,
    SUCCEEDED,
    WAITING,
    open_reader,
    open_store,
    owner_alive,
    schema,
)
from nniannot.viewer import create_app


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


def test_a_requeued_trial_keeps_only_the_attempt_that_counts(store):
    exp = store.create_experiment(name="e")
    trial = store.begin_attempt(exp.id, store.add_trial(exp.id, {"x": 1}).id)
    assert trial.attempt == 1
    store.set_trial_status(exp.id, trial.id, RUNNING)
    for k in range(3):
        store.add_intermediate(exp.id, trial.id, k, k, k, attempt=1)
    store.set_final(exp.id, trial.id, 9.0, 9.0, attempt=1)
    store.requeue_trial(exp.id, trial.id, "interrupted; running it again")

    again = store.begin_attempt(exp.id, trial.id)
    store.add_intermediate(exp.id, trial.id, 3, 7.0, 7.0, attempt=1)  # the old attempt, still reporting
    store.set_final(exp.id, trial.id, 8.0, 8.0, attempt=1)
    store.add_intermediate(exp.id, trial.id, 0, 0.5, 0.5, attempt=2)
    store.set_final(exp.id, trial.id, 1.0, 1.0, attempt=2)
    store.set_trial_status(exp.id, trial.id, SUCCEEDED, exit_code=0)

    got = store.get_trial(exp.id, trial.id)
    assert again.attempt == got.attempt == 2
    assert store.curves(exp.id, [trial.id])[trial.id] == [0.5]
    assert (got.intermediate_count, got.final_default, got.message) == (1, 1.0, None)
    history = [(h.status, h.message) for h in store.status_history(exp.id, trial.id)]
    assert (WAITING, "interrupted; running it again") in history


def _version_1_store(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(schema._DDL.replace("    attempt INTEGER NOT NULL DEFAULT 0,\n", ""))
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO experiments (id, status, created_at) VALUES ('abcdefgh', 'DONE', 1.0)")
    conn.execute(
        "INSERT INTO trials (experiment_id, id, seq, status, created_at, dir) VALUES"
        " ('abcdefgh', 'T0001', 0, 'SUCCEEDED', 1.0, '/t/T0001'), ('abcdefgh', 'T0002', 1, 'WAITING', 1.0, NULL)"
    )
    conn.close()


@pytest.mark.parametrize("opener", [open_store, open_reader])
def test_a_version_1_store_is_upgraded_in_place(tmp_path, opener):
    path = str(tmp_path / "store.db")
    _version_1_store(path)
    with opener(path) as s:
        trials = s.list_trials("abcdefgh")
    assert [(t.id, t.attempt) for t in trials] == [("T0001", 1), ("T0002", 0)]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION) == "2"
    conn.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_trials", 10**19), ("max_trials", 0), ("concurrency", 10**19), ("max_duration", float("inf"))],
)
def test_impossible_limits_are_refused_with_the_rule(store, field, value):
    with pytest.raises(ConfigError, match=field):
        store.create_experiment(name="e", **{field: value})
    exp = store.create_experiment(name="e")
    with pytest.raises(ConfigError, match=field):
        store.update_experiment(exp.id, **{field: value})


def test_the_runner_process_itself_counts_as_a_live_owner(store):
    exp = store.create_experiment(name="e")
    store.claim(exp.id)
    store.claim(exp.id)  # the owner may claim again (watch mode runs revisions in one process)
    store.set_experiment_status(exp.id, EXP_RUNNING)
    assert owner_alive(os.getpid(), socket.gethostname(), time.time())
    client = create_app(store.path).test_client()
    assert client.get(f"/api/experiments/{exp.id}").get_json()["live"] is True

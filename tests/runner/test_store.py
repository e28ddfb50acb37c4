from __future__ import annotations

import multiprocessing
import os
import sqlite3

import pytest

from nniannot.errors import ExperimentNotFound, StoreError
from nniannot.runner.store import (
    DONE,
    EXP_RUNNING,
    FAILED,
    RUNNING,
    SUCCEEDED,
    WAITING,
    Store,
    open_reader,
    open_store,
)


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


def _experiment(store: Store, **fields):
    defaults = dict(
        name="exp",
        optimize_mode="maximize",
        max_trials=10,
        concurrency=2,
        search_space={"lr": {"_type": "uniform", "_value": [0, 1]}},
        command=["python", "t.py"],
    )
    return store.create_experiment(**{**defaults, **fields})


def _finished_trial(store, exp_id, value, params=None):
    trial = store.add_trial(exp_id, params or {"lr": value})
    store.set_trial_status(exp_id, trial.id, RUNNING)
    store.add_intermediate(exp_id, trial.id, 0, value / 2, value / 2)
    store.set_final(exp_id, trial.id, value, {"default": value, "extra": "kept"})
    store.set_trial_status(exp_id, trial.id, SUCCEEDED, exit_code=0)
    return trial


def test_experiment_round_trip(store):
    exp = _experiment(store)
    assert len(exp.id) == 8
    got = store.get_experiment(exp.id)
    assert got.search_space == {"lr": {"_type": "uniform", "_value": [0, 1]}}
    assert got.command == ["python", "t.py"]
    assert got.counts[WAITING] == 0 and got.best_value is None
    store.set_experiment_status(exp.id, EXP_RUNNING)
    store.set_experiment_status(exp.id, DONE)
    got = store.get_experiment(exp.id)
    assert got.status == DONE and got.started_at is not None and got.ended_at is not None
    assert [h.status for h in store.status_history(exp.id)] == ["CREATED", "RUNNING", "DONE"]


def test_trials_metrics_and_best(store):
    exp = _experiment(store)
    for v in (0.3, 0.9, 0.1):
        _finished_trial(store, exp.id, v)
    failed = store.add_trial(exp.id, {"lr": 0.5}, dir_root="/tmp/x")
    store.set_trial_status(exp.id, failed.id, FAILED, exit_code=3, stderr_tail="boom", message="exit 3")
    got = store.get_experiment(exp.id)
    assert got.counts[SUCCEEDED] == 3 and got.counts[FAILED] == 1 and got.trial_count == 4
    assert got.best_value == 0.9 and got.best_params == {"lr": 0.9}
    best = store.best_trial(exp.id)
    assert best.final == {"default": 0.9, "extra": "kept"} and best.intermediate_count == 1
    assert best.duration is not None and best.duration >= 0
    f = store.get_trial(exp.id, failed.id)
    assert (f.exit_code, f.stderr_tail, f.dir) == (3, "boom", f"/tmp/x/{failed.id}")
    assert [t.final_default for t in store.list_trials(exp.id, order_by="best")] == [0.9, 0.3, 0.1, None]
    assert [t.seq for t in store.list_trials(exp.id, limit=2, offset=1)] == [1, 2]
    assert store.count_trials(exp.id, status=[SUCCEEDED]) == 3


def test_minimize_best(store):
    exp = _experiment(store, optimize_mode="minimize")
    for v in (0.3, 0.9, 0.1):
        _finished_trial(store, exp.id, v)
    assert store.get_experiment(exp.id).best_value == 0.1


def test_changes_since_returns_only_new_rows(store):
    exp = _experiment(store)
    first = _finished_trial(store, exp.id, 0.5)
    seen = store.changes_since(exp.id, 0)
    assert [t.id for t in seen.trials] == [first.id] and len(seen.intermediates) == 1
    second = store.add_trial(exp.id, {"lr": 0.2})
    store.add_intermediate(exp.id, second.id, 0, 0.1, {"default": 0.1})
    later = store.changes_since(exp.id, seen.change_seq)
    assert [t.id for t in later.trials] == [second.id]
    assert [(i.trial_id, i.value) for i in later.intermediates] == [(second.id, {"default": 0.1})]
    assert store.changes_since(exp.id, later.change_seq).trials == []


def test_requeue_clears_results(store):
    exp = _experiment(store)
    t = _finished_trial(store, exp.id, 0.5)
    store.requeue_trial(exp.id, t.id, "interrupted")
    got = store.get_trial(exp.id, t.id)
    assert got.status == WAITING and got.final is None and got.intermediate_count == 0
    assert store.intermediates(exp.id, t.id) == []


def test_resolve_prefix_latest_and_errors(store):
    a = _experiment(store, name="alpha")
    b = _experiment(store, name="beta")
    assert store.resolve("latest") == b.id
    assert store.resolve(a.id[:6]) == a.id
    assert store.resolve("alpha") == a.id
    with pytest.raises(ExperimentNotFound):
        store.resolve("nope-nope")
    with pytest.raises(ExperimentNotFound):
        store.get_experiment("zzz")


def test_reader_sees_writes_while_writer_is_open(tmp_path, store):
    exp = _experiment(store)
    with open_reader(store.path) as reader:
        assert reader.get_experiment(exp.id).trial_count == 0
        _finished_trial(store, exp.id, 0.4)
        assert reader.get_experiment(exp.id).best_value == 0.4
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._conn.execute("DELETE FROM trials")


def test_actions_posted_by_reader_reach_writer(store):
    exp = _experiment(store)
    with open_reader(store.path) as reader:
        action_id = reader.post_action(exp.id, "kill_trial", {"trial_id": "abc"})
        with pytest.raises(StoreError, match="unknown action"):
            reader.post_action(exp.id, "explode")
    (pending,) = store.take_actions(exp.id)
    assert pending.id == action_id and pending.payload == {"trial_id": "abc"}
    store.finish_action(action_id, "ok")
    assert store.take_actions(exp.id) == []


def _claim_in_child(path, exp_id, queue):
    s = Store(path)
    try:
        s.claim(exp_id)
        queue.put("claimed")
    except StoreError as exc:
        queue.put(str(exc))


def test_second_owner_is_refused(store):
    exp = _experiment(store)
    store.claim(exp.id)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_claim_in_child, args=(store.path, exp.id, queue))
    proc.start()
    message = queue.get(timeout=60)
    proc.join(60)
    assert "already running" in message and str(os.getpid()) in message
    store.release(exp.id)


def test_corrupt_file_is_a_store_error(tmp_path):
    path = tmp_path / "store.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="damaged or is not"):
        open_store(str(path))
    with pytest.raises(StoreError):
        open_reader(str(path))


def test_locked_database_is_a_store_error(tmp_path, monkeypatch):
    import nniannot.runner.store.connection as connection

    path = str(tmp_path / "store.db")
    s = open_store(path)
    exp = _experiment(s)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    s._conn.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(StoreError, match="locked"):
            s.add_trial(exp.id, {})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        s.close()
    assert connection.store_error(sqlite3.OperationalError("database or disk is full"), path, "x")
    assert "full" in str(
        connection.store_error(sqlite3.OperationalError("database or disk is full"), path, "w")
    )


def test_newer_schema_is_refused(tmp_path):
    path = str(tmp_path / "store.db")
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_delete_experiment(store):
    exp = _experiment(store)
    _finished_trial(store, exp.id, 1.0)
    store.delete_experiment(exp.id)
    assert store.list_experiments() == []


def test_curves_give_numbers_in_report_order(store):
    exp = _experiment(store)
    t = store.add_trial(exp.id, {})
    for k, v in enumerate((0.1, 0.2, 0.3)):
        store.add_intermediate(exp.id, t.id, k, v, {"default": v, "loss": 1 - v})
    assert store.curves(exp.id) == {t.id: [0.1, 0.2, 0.3]}
    assert store.curves(exp.id, []) == {}
    assert [i.value["loss"] for i in store.intermediates(exp.id, t.id)] == pytest.approx([0.9, 0.8, 0.7])


def test_reader_of_a_store_still_being_created_waits_for_its_schema(tmp_path):
    path = str(tmp_path / "store.db")
    creator = sqlite3.connect(path, isolation_level=None)
    creator.execute("PRAGMA journal_mode=WAL")  # the file exists, its schema is not committed yet
    reader = open_reader(path)
    assert reader.list_experiments() == []
    creator.close()


def test_intermediate_count_counts_distinct_reports(store):
    exp = _experiment(store)
    trial = store.add_trial(exp.id, {"lr": 0.1})
    for seq in (0, 1, 2):
        store.add_intermediate(exp.id, trial.id, seq, 0.1 * seq, 0.1 * seq)
    store.add_intermediate(exp.id, trial.id, 1, 0.9, 0.9)  # a repeated report replaces the earlier one
    got = store.get_trial(exp.id, trial.id)
    assert got.intermediate_count == 3 and got.last_intermediate == 0.9
    assert store.curves(exp.id, [trial.id])[trial.id] == [0.0, 0.9, 0.2]
    store.requeue_trial(exp.id, trial.id, "again")
    store.add_intermediate(exp.id, trial.id, 0, 0.5, 0.5)
    assert store.get_trial(exp.id, trial.id).intermediate_count == 1

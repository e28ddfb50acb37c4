"""What every backend must do. A new backend is one more entry in BACKENDS."""

from __future__ import annotations

import os
import sys
import time

import pytest

from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec
from nniannot.runner.backends.inprocess import InProcessBackend
from nniannot.runner.backends.local import LocalBackend

pytest_plugins = ["tests.runner.dask_support"]  # the cluster fixtures

BEHAVE = os.path.join(os.path.dirname(__file__), "behave.py")


def _local(tmp_path) -> Backend:
    return LocalBackend(kill_grace=2.0)


def _inprocess(tmp_path) -> Backend:
    return InProcessBackend()


BACKENDS = {"local": _local, "inprocess": _inprocess}
# Backends that need a fixture (a cluster): built by that fixture's factory.
CLUSTER_BACKENDS = {"dask": "dask_backend_factory"}


@pytest.fixture(params=[*sorted(BACKENDS), pytest.param("dask", marks=pytest.mark.dask)])
def backend(request, tmp_path):
    if request.param in CLUSTER_BACKENDS:
        make = request.getfixturevalue(CLUSTER_BACKENDS[request.param])
    else:
        make = BACKENDS[request.param]
    with make(tmp_path) as b:
        yield b


def _spec(tmp_path, trial_id: str, **behaviour) -> TrialSpec:
    return TrialSpec("EXP1", trial_id, 0, [sys.executable, BEHAVE], str(tmp_path), str(tmp_path / trial_id),
                     {"behaviour": behaviour})  # fmt: skip


def _until_finished(backend: Backend, trial_ids: set[str], timeout: float = 60) -> list[TrialEvent]:
    events: list[TrialEvent] = []
    deadline = time.monotonic() + timeout
    while trial_ids - {e.trial_id for e in events if e.kind == FINISHED}:
        if time.monotonic() > deadline:
            raise AssertionError(f"trials did not finish: {events}")
        events += backend.events(0.1)
    return events


def _of(events, trial_id):
    return [e for e in events if e.trial_id == trial_id]


def test_reports_in_order_then_finished(backend, tmp_path):
    backend.submit(_spec(tmp_path, "a", intermediates=[1, 2, 3], final={"default": 4, "x": "y"}))
    events = _of(_until_finished(backend, {"a"}), "a")
    assert events[0].kind == STARTED and events[-1].kind == FINISHED
    metrics = [(e.record.kind, e.record.value) for e in events if e.kind == METRIC and e.record]
    assert metrics == [
        ("PERIODICAL", 1),
        ("PERIODICAL", 2),
        ("PERIODICAL", 3),
        ("FINAL", {"default": 4, "x": "y"}),
    ]
    assert events[-1].exit_code == 0


def test_exit_code_and_stderr_tail(backend, tmp_path):
    backend.submit(_spec(tmp_path, "b", exit_code=3, stderr="Traceback\nValueError: boom\n"))
    (end,) = [e for e in _until_finished(backend, {"b"}) if e.kind == FINISHED]
    assert end.exit_code == 3 and "ValueError: boom" in end.stderr_tail


def test_cancel_stops_a_running_trial(backend, tmp_path):
    backend.submit(_spec(tmp_path, "c", intermediates=[0.5], sleep="forever"))
    events: list[TrialEvent] = []
    while not any(e.kind == METRIC for e in events):
        events += backend.events(0.1)
    backend.cancel("c")
    events += _until_finished(backend, {"c"})
    end = events[-1]
    assert end.kind == FINISHED and end.exit_code != 0


def test_garbage_is_a_problem_not_a_crash(backend, tmp_path):
    backend.submit(_spec(tmp_path, "d", garbage=True, final=1.5))
    events = _until_finished(backend, {"d"})
    assert any(e.problems for e in events)
    assert [e.record.value for e in events if e.record] == [1.5]


def test_several_trials_at_once_keep_their_events_apart(backend, tmp_path):
    for name in ("e1", "e2", "e3"):
        backend.submit(_spec(tmp_path, name, final="$params", value=1.0))
    events = _until_finished(backend, {"e1", "e2", "e3"})
    for name in ("e1", "e2", "e3"):
        (final,) = [e.record.value for e in _of(events, name) if e.record]
        assert final["params"]["behaviour"]["final"] == "$params"


def test_unknown_cancel_is_ignored(backend):
    backend.cancel("nope")

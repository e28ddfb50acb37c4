"""Dask specifics: shipped code and files, shared file systems, lost workers, unreachable or vanished
schedulers, and an annotated experiment with an assessor on a local cluster of two process workers."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import time

import pytest

from nniannot.errors import BackendError, ConfigError
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, TrialSpec
from nniannot.runner.home import Home
from nniannot.runner.store import EARLY_STOPPED, SUCCEEDED, open_reader
from tests.polling import process_alive
from tests.runner.conftest import wait_for, write
from tests.runner.snapshots import bundle_for

pytest_plugins = ["tests.runner.dask_support"]  # the cluster fixtures

pytestmark = pytest.mark.dask
pytest.importorskip("distributed", reason="needs the dask extra: pip install 'nni-annot[dask]'")

# Reports where it ran and what it could read, then behaves as its parameters say.
PROBE = """
    import json, os, sys, time
    import nniannot
    import helper

    params = nniannot.get_next_parameter()
    mark, me, runs = os.environ.get("MARK"), os.environ["NNI_TRIAL_JOB_ID"], 0
    if mark:  # one file per run of this trial: <trial id>.<run>, holding the supervisor's pid
        runs = len([name for name in os.listdir(mark) if name.startswith(me + ".")])
        with open(os.path.join(mark, f"{me}.{runs}"), "w") as f:
            f.write(str(os.getppid()))
    with open("data/table.csv") as f:
        table = f.read().strip()
    print("cwd", os.getcwd())
    sys.stderr.write("to stderr\\n")
    nniannot.report_intermediate_result(1)
    if params.get("hang") and not (runs and params.get("second_run_ends")):
        time.sleep(600)
    nniannot.report_intermediate_result(2)
    nniannot.report_final_result({"default": helper.VALUE, "table": table, "cwd": os.getcwd(),
                                  "here": os.environ["HERE"], "sys_dir": os.environ["NNI_SYS_DIR"]})
"""


def _project(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    write(project / "probe.py", PROBE)
    write(project / "helper.py", "VALUE = 42\n")
    (project / "data" / "table.csv").write_text("a,b\n")
    (tmp_path / "marks").mkdir()
    return project


def _backend(factory, tmp_path, project, upload=("data",), **options):
    command = [sys.executable, "probe.py"]
    return factory(tmp_path, command, code_dir=str(project), cwd=str(project), upload=list(upload), **options)


def _spec(tmp_path, project, trial_id, **params):
    env = {"HERE": str(project), "MARK": str(tmp_path / "marks")}
    return TrialSpec("EXP", trial_id, 0, [sys.executable, "probe.py"], str(project),
                     str(tmp_path / "trials" / trial_id), params, env)  # fmt: skip


def _until(backend, done, timeout=120.0):
    events, deadline = [], time.monotonic() + timeout
    while not done(events):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; events: {events}\ncluster: {_cluster_state(backend)}", pytrace=False)
        assert not any(e.kind == FINISHED and e.exit_code for e in events), events  # fail fast
        events += backend.events(0.1)
    return events


def _cluster_state(backend):
    """What the cluster is doing, for a failure message: tasks per worker and the stacks of running ones."""
    try:
        state = {"processing": backend.client.processing(), "stacks": backend.client.call_stack()}
    except Exception as exc:
        return f"cluster state unavailable: {exc!r}"
    return json.dumps(state, indent=1, default=str)


def _finished(trial_id):
    return lambda events: any(e.kind == FINISHED and e.trial_id == trial_id for e in events)


def _metrics(events, trial_id):
    return [(e.record.kind, e.record.value) for e in events if e.trial_id == trial_id and e.record]


def test_code_and_uploads_are_shipped_and_logs_come_back(tmp_path, dask_backend_factory):
    project = _project(tmp_path)
    with _backend(dask_backend_factory, tmp_path, project, upload=["data/*.csv"]) as backend:
        assert sorted(backend.bundle.code) == ["data/table.csv", "helper.py", "probe.py"]
        backend.submit(_spec(tmp_path, project, "t1"))
        events = _until(backend, _finished("t1"))
    assert events[0].kind == STARTED and events[-1].exit_code == 0
    ((_, final),) = [m for m in _metrics(events, "t1") if m[0] == "FINAL"]
    assert final["default"] == 42 and final["table"] == "a,b"
    assert final["cwd"] != str(project) and final["cwd"].endswith("code")  # ran in the worker's copy
    assert final["here"] == final["cwd"]  # runner paths in the environment point at the copy
    trial_dir = tmp_path / "trials" / "t1"
    assert final["sys_dir"] != str(trial_dir)
    assert (trial_dir / "stdout").read_text() == f"cwd {final['cwd']}\n"
    assert (trial_dir / "stderr").read_text() == "to stderr\n"
    assert json.loads((trial_dir / "parameter.cfg").read_text())["parameters"] == {}
    assert (trial_dir / ".nni" / "metrics").read_bytes().count(b"ME") == 3


def test_missing_upload_is_a_config_error(tmp_path, dask_backend_factory):
    project = _project(tmp_path)
    with pytest.raises(ConfigError, match=r"--upload nothing\.txt: no such file"):
        _backend(dask_backend_factory, tmp_path, project, upload=["nothing.txt"])


def test_shared_file_system_runs_in_place(tmp_path, dask_client):
    from nniannot.runner.backends.dask import DaskBackend

    project = _project(tmp_path)
    with DaskBackend(client=dask_client, shared_fs=True) as backend:
        backend.submit(_spec(tmp_path, project, "t2"))
        events = _until(backend, _finished("t2"))
    ((_, final),) = [m for m in _metrics(events, "t2") if m[0] == "FINAL"]
    assert final["cwd"] == str(project) and final["sys_dir"] == str(tmp_path / "trials" / "t2")
    assert (tmp_path / "trials" / "t2" / "stderr").read_text() == "to stderr\n"


def _scheduler_records(dask_scheduler):
    """What the scheduler keeps for good about task groups: its spans and the groups they hold."""
    spans = dask_scheduler.extensions["spans"].spans
    return len(spans), sum(len(span.groups) for span in spans.values())


def test_trials_one_at_a_time_leave_the_scheduler_nothing_new_to_keep(tmp_path, dask_client):
    """Between two trials the cluster is idle; a forgotten task group would come back as a new one, with a
    new span, and the scheduler keeps every span with its groups (30 trials in turn left 26 of each)."""
    from nniannot.runner.backends.dask import DaskBackend

    project = _project(tmp_path)
    kept = []
    with DaskBackend(client=dask_client, shared_fs=True) as backend:
        for i in range(4):
            backend.submit(_spec(tmp_path, project, f"one{i}"))
            _until(backend, _finished(f"one{i}"))
            wait_for(lambda i=i: f"{backend.topic}-trial-one{i}-1" not in dask_client.who_has())
            kept.append(dask_client.run_on_scheduler(_scheduler_records))
    assert kept[1] == kept[-1], kept


# What a warm start must not change: name, argv, cwd, sys.path[0], output and exit code; and what it does.
IMPORTS_YAML = """
    import sys
    AHEAD = "yaml" in sys.modules
    import json, os
    import yaml
    print(json.dumps({"name": __name__, "argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0],
                      "trial": os.environ["NNI_TRIAL_JOB_ID"], "ahead": AHEAD}))
    sys.stderr.write("to stderr\\n")
    raise SystemExit(int(sys.argv[1]))
"""


def _yaml_trial(tmp_path, dask_client, name, warm, caplog):
    from nniannot.runner.backends.dask import DaskBackend
    from nniannot.runner.config import ExperimentConfig
    from nniannot.runner.prepare import prepare_launch

    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    write(code / "uses_yaml.py", IMPORTS_YAML)
    cfg = ExperimentConfig(
        script=str(code / "uses_yaml.py"), args=["3"], code_dir=str(code), workdir=str(tmp_path)
    )
    command = prepare_launch(cfg, require_space=False, snapshots=str(tmp_path / "snapshots")).command
    caplog.clear()
    with DaskBackend(client=dask_client, shared_fs=True, warm_start=warm) as backend:
        backend.submit(TrialSpec("EXP", name, 0, command, str(tmp_path), str(tmp_path / name), {}, {}))
        end = _until_end(backend, name)
    seen = json.loads((tmp_path / name / "stdout").read_text())
    return seen, (tmp_path / name / "stderr").read_text(), end.exit_code, caplog.text


def _until_end(backend, trial_id, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        for event in backend.events(0.1):
            if event.kind == FINISHED and event.trial_id == trial_id:
                return event
        assert time.monotonic() < deadline, f"trial {trial_id} did not end"


def test_a_warm_trial_on_a_worker_sees_what_a_cold_one_sees(tmp_path, dask_client, caplog):
    caplog.set_level(logging.INFO, logger="nniannot.runner.warm")
    warm = _yaml_trial(tmp_path, dask_client, "w1", True, caplog)
    cold = _yaml_trial(tmp_path, dask_client, "c1", False, caplog)
    assert "w1: warm start (pre-imported yaml) on tcp://" in warm[3]
    assert "c1: cold start (cold starts were asked for) on tcp://" in cold[3]
    assert warm[0].pop("ahead") is True and cold[0].pop("ahead") is False  # the import was done ahead
    assert (warm[0].pop("trial"), cold[0].pop("trial")) == ("w1", "c1")
    assert warm[:3] == cold[:3]
    seen, err, code, _ = warm
    assert (seen["name"], seen["argv"][1:], seen["cwd"], code, err) == (
        "__main__",
        ["3"],
        str(tmp_path),
        3,
        "to stderr\n",
    )
    assert seen["path0"] == str(tmp_path / "code")


def test_a_cancel_that_reaches_a_worker_first_is_kept_for_the_attempt():
    """A cancel that reaches the workers before the task does is kept there for the attempt."""
    from nniannot.runner.backends.dask_worker import _CANCELS, cancel_here

    assert cancel_here("attempt-x") is False  # not running here: remembered
    assert _CANCELS.enter("attempt-x") is None  # so the attempt, when it comes, does not start
    event = _CANCELS.enter("attempt-y")
    assert event is not None and cancel_here("attempt-y") is True and event.is_set()
    _CANCELS.leave("attempt-y")
    for i in range(_CANCELS.KEEP + 10):  # the remembered ones are bounded
        cancel_here(f"many-{i}")
    assert len(_CANCELS.early) == _CANCELS.KEEP


def _worker_of(mark) -> int:
    """The pid of the Dask worker whose trial wrote ``mark`` (the parent of the trial's supervisor)."""
    supervisor = int(wait_for(lambda: mark.exists() and mark.read_text(), what=str(mark)))
    with open(f"/proc/{supervisor}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_a_killed_worker_fails_its_trial_and_nothing_else(tmp_path, dask_backend_factory):
    project = _project(tmp_path)
    with _backend(dask_backend_factory, tmp_path, project) as backend:
        for early in ("early1", "early2"):  # finished before: their results live on the workers
            backend.submit(_spec(tmp_path, project, early))
        _until(backend, lambda ev: _finished("early1")(ev) and _finished("early2")(ev))
        backend.submit(_spec(tmp_path, project, "victim", hang=True))
        events = _until(backend, lambda ev: any(e.kind == METRIC and e.trial_id == "victim" for e in ev))
        backend.submit(_spec(tmp_path, project, "bystander"))
        worker = _worker_of(tmp_path / "marks" / "victim.0")
        supervisor = int((tmp_path / "marks" / "victim.0").read_text())
        os.kill(worker, signal.SIGKILL)
        events += _until(backend, lambda ev: _finished("victim")(ev) and _finished("bystander")(ev))
    (lost,) = [e for e in events if e.kind == FINISHED and e.trial_id == "victim"]
    assert lost.exit_code is None and lost.stderr_tail.startswith("lost: the Dask worker tcp://")
    assert _metrics(events, "victim") == [("PERIODICAL", 1)]
    (other,) = [e for e in events if e.kind == FINISHED and e.trial_id == "bystander"]
    assert other.exit_code == 0 and [k for k, _ in _metrics(events, "bystander")] == ["PERIODICAL"] * 2 + [
        "FINAL"
    ]
    wait_for(lambda: not process_alive(supervisor), what="the lost trial's processes to end")
    marks = tmp_path / "marks"
    assert [len(list(marks.glob(f"{t}.*"))) for t in ("early1", "early2", "victim")] == [
        1,
        1,
        1,
    ]  # none re-ran


def test_retry_lost_runs_the_trial_again_once(tmp_path, dask_backend_factory):
    project = _project(tmp_path)
    with _backend(dask_backend_factory, tmp_path, project, retry_lost=True) as backend:
        backend.submit(_spec(tmp_path, project, "again", hang=True, second_run_ends=True))
        events = _until(backend, lambda ev: any(e.kind == METRIC for e in ev))
        os.kill(_worker_of(tmp_path / "marks" / "again.0"), signal.SIGKILL)
        events += _until(backend, _finished("again"))
    assert [e.kind for e in events].count(STARTED) == 1
    assert [k for k, _ in _metrics(events, "again")] == ["PERIODICAL", "PERIODICAL", "FINAL"]  # 1 not twice
    assert any("was lost; ran the trial again" in p for e in events for p in e.problems)
    assert events[-1].kind == FINISHED and events[-1].exit_code == 0
    assert (tmp_path / "marks" / "again.1").exists()


def test_unreachable_scheduler_is_one_line(tmp_path):
    from nniannot.runner.backends.dask import DaskBackend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(BackendError) as caught:
        DaskBackend(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1.0)
    assert str(caught.value).startswith(f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert "\n" not in str(caught.value)


@pytest.mark.slow  # a cluster of its own, to lose its scheduler
def test_scheduler_gone_mid_run_stops_with_a_backend_error(tmp_path):
    import logging

    from distributed import LocalCluster

    from nniannot.runner.backends.dask import DaskBackend

    project = _project(tmp_path)
    command = [sys.executable, "probe.py"]
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)  # fmt: skip
    try:
        bundle = bundle_for(tmp_path, command, str(project), str(project), ["data"])
        backend = DaskBackend(scheduler=cluster.scheduler_address, bundle=bundle, kill_grace=1.0)
        with backend:
            backend.submit(_spec(tmp_path, project, "orphan", hang=True))
            _until(backend, lambda ev: any(e.kind == METRIC for e in ev))
            cluster.close()
            with pytest.raises(BackendError, match="lost the connection to the Dask scheduler"):
                _until(backend, lambda ev: False)
            backend.cancel("orphan")  # what the runner does next: no error, no wait
    finally:
        cluster.close()


ANNOTATED = """
    import time
    import model

    for epoch in range(10):
        time.sleep(0.02 if model.q >= 8 else 0.5)
        '''@nni.report_intermediate_result(min(model.q, 8))'''  # 9 and 8: the same curve, neither stops
    '''@nni.report_final_result(model.q)'''
"""
MODEL = """
    '''@nni.variable(nni.choice(9, 8, 1, 2, 3, 4), name=q)'''
    q = 9
"""


def test_annotated_experiment_with_an_assessor_on_two_workers(tmp_path, cli, home, dask_cluster):
    write(tmp_path / "model.py", MODEL)
    script = write(tmp_path / "train.py", ANNOTATED)
    result = cli("run", script, "--backend", "dask", "--scheduler", dask_cluster.scheduler_address,
                 "--tuner", "grid", "--assessor", "medianstop", "--assessor-arg", "start_step=1",
                 "--concurrency", "2", "--max-trials", "6")  # fmt: skip
    assert result.exit_code == 0, result.output
    exp_id = result.output.splitlines()[0].split()[1]
    with open_reader(Home(home).store_path) as store:
        trials = {t.params["model/q/choice"]: t for t in store.list_trials(exp_id)}
        curves = store.curves(exp_id, [t.id for t in trials.values()])
    assert {q: t.status for q, t in trials.items()} == {9: SUCCEEDED, 8: SUCCEEDED, 1: EARLY_STOPPED,
                                                        2: EARLY_STOPPED, 3: EARLY_STOPPED, 4: EARLY_STOPPED}  # fmt: skip
    assert trials[9].final_default == 9 and len(curves[trials[9].id]) == 10
    for q in (1, 2, 3, 4):  # stopped while running: their processes on the workers were terminated
        assert len(curves[trials[q].id]) < 10 and trials[q].exit_code != 0


SELF_EDITING = """
    import pathlib
    '''@nni.variable(nni.choice(1, 2, 3), name=x)'''
    x = 1
    me = pathlib.Path(__file__)
    me.write_text(me.read_text().replace("report_final_result(x)", "report_final_result(x + 100)"))
    '''@nni.report_final_result(x)'''
"""


def test_dask_trials_on_a_shared_file_system_run_the_snapshot(tmp_path, cli, home, dask_cluster):
    script = write(tmp_path / "train.py", SELF_EDITING)  # the first trial edits the user's file itself
    result = cli("run", script, "--backend", "dask", "--scheduler", dask_cluster.scheduler_address,
                 "--shared-fs", "--tuner", "grid", "--max-trials", "3")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "x + 100" in (tmp_path / "train.py").read_text()
    with open_reader(Home(home).store_path) as store:
        trials = store.list_trials(store.resolve("latest"))
    assert sorted(t.final for t in trials) == [1, 2, 3]


def test_a_cluster_started_here_keeps_short_scheduler_logs():
    """The scheduler of ``--local-workers`` keeps 100 entries per diagnostic log, not Dask's 1,000: a long
    run's scheduler stops growing sooner (each worker's log holds every trial spec sent to it)."""
    from nniannot.runner.backends.dask_cluster import LOCAL_LOG_LENGTH, connect

    client, cluster = connect(None, 1, 30.0)
    try:
        client.wait_for_workers(1, timeout=30)
        logs = client.run_on_scheduler(
            lambda dask_scheduler: (
                [dask_scheduler.transition_log.maxlen]
                + [s.recent_message_log.maxlen for s in dask_scheduler.stream_comms.values()]
            )
        )
        assert logs == [100, 100]  # the transitions, and the one worker's stream
        assert LOCAL_LOG_LENGTH == 100
        import dask

        assert dask.config.get("distributed.admin.low-level-log-length") == 1000  # ours only, not global
    finally:
        client.close()
        cluster.close()

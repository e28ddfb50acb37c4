"""Ctrl-C or kill -9 of a real runner, then `nni-annot resume`: every trial exactly once, every curve exact.

The trials report three results, then wait at a gate (a file the test creates) before their last three;
each one starts a child and writes its own and its child's pid, so the test can see that nothing of a
trial outlives the runner that started it.
"""

from __future__ import annotations

import os
import signal

from nniannot.runner.home import Home
from nniannot.runner.store import RUNNING, STOPPED, SUCCEEDED, WAITING, open_reader
from tests.polling import process_alive
from tests.runner.conftest import spawn, wait_for, write

TRIAL = """
import os, subprocess, sys, time

base = os.environ["INTEGRITY_DIR"]
'''@nni.variable(nni.choice(1, 2), name=x)'''
x = 1
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.path.join(base, "pids", f"{os.getpid()}"), "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
for step in range(6):
    '''@nni.report_intermediate_result(step * x)'''
    while step == 2 and not os.path.exists(os.path.join(base, "release")):
        time.sleep(0.05)
'''@nni.report_final_result(10 * x)'''
"""


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def _trial_pids(tmp_path) -> list[int]:
    return [int(p) for f in (tmp_path / "pids").iterdir() for p in f.read_text().split()]


def _trials(home):
    with open_reader(Home(home).store_path) as reader:
        (exp,) = reader.list_experiments()
        return exp, reader.list_trials(exp.id), reader


def _start_and_wait_at_the_gate(tmp_path, home, monkeypatch):
    monkeypatch.setenv("INTEGRITY_DIR", str(tmp_path))
    (tmp_path / "pids").mkdir()
    script = write(tmp_path / "train.py", TRIAL)
    proc = spawn(home, "run", script, "--tuner", "grid", "--max-trials", "2", "--concurrency", "2", "--plain",
                 cwd=str(tmp_path))  # fmt: skip

    def at_gate():
        with open_reader(Home(home).store_path) as reader:
            exps = reader.list_experiments()
            trials = reader.list_trials(exps[0].id) if exps else []
        ready = len(trials) == 2 and all(t.intermediate_count == 3 for t in trials)
        return ready and len(list((tmp_path / "pids").iterdir())) == 2

    wait_for(at_gate, "both trials at the gate")
    return proc


def _resume_and_check(tmp_path, home, cli):
    first_pids = _trial_pids(tmp_path)
    wait_for(lambda: not any(process_alive(p) for p in first_pids), "no process of the first attempts")
    exp, trials, _ = _trials(home)
    assert {t.status for t in trials} <= {WAITING, RUNNING, STOPPED}
    (tmp_path / "release").write_text("")
    result = cli("resume", exp.id, "--plain")
    assert result.exit_code == 0, result.output

    with open_reader(Home(home).store_path) as reader:
        trials = reader.list_trials(exp.id)
        curves = reader.curves(exp.id)
        history = {t.id: [(h.status, h.message) for h in reader.status_history(exp.id, t.id)] for t in trials}
    assert sorted(t.params[next(iter(t.params))] for t in trials) == [1, 2]  # none lost, none twice
    for t in trials:
        x = t.params[next(iter(t.params))]
        assert (t.status, t.message, t.final_default, t.attempt) == (SUCCEEDED, None, 10 * x, 2)
        assert t.intermediate_count == 6 and curves[t.id] == [float(step * x) for step in range(6)]
        assert t.dir.endswith(f"{t.id}-attempt2") and os.path.isfile(os.path.join(t.dir, "parameter.cfg"))
        assert any(status == WAITING and message for status, message in history[t.id])
    wait_for(lambda: not any(process_alive(p) for p in _trial_pids(tmp_path)), "no process of any trial")


def test_ctrl_c_then_resume(tmp_path, home, cli, monkeypatch):
    proc = _start_and_wait_at_the_gate(tmp_path, home, monkeypatch)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err  # 128 + SIGINT, as a shell reports Ctrl-C
    assert _trials(home)[0].status == STOPPED
    _resume_and_check(tmp_path, home, cli)


def test_kill_9_then_resume(tmp_path, home, cli, monkeypatch):
    proc = _start_and_wait_at_the_gate(tmp_path, home, monkeypatch)
    started = _children(proc.pid)  # trials, warm spare interpreters, the supervisor
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=120)
    wait_for(lambda: not any(process_alive(p) for p in started), "no process the runner had started")
    _resume_and_check(tmp_path, home, cli)

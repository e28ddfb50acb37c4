"""Local-process specifics: files, process groups, SIGKILL after the grace period, GPUs, bad commands."""

from __future__ import annotations

import json
import sys
import time

from nniannot.runner.backends.base import FINISHED, METRIC, TrialSpec
from nniannot.runner.backends.local import LocalBackend


def _spec(tmp_path, trial_id, code, gpus=0, params=None):
    return TrialSpec("EXP", trial_id, 3, [sys.executable, "-c", code], str(tmp_path), str(tmp_path / trial_id),
                     params or {"p": 1}, {"EXTRA_VAR": "yes"}, gpus)  # fmt: skip


def _wait_end(backend, trial_id, timeout=60):
    events, deadline = [], time.monotonic() + timeout
    while not any(e.kind == FINISHED and e.trial_id == trial_id for e in events):
        assert time.monotonic() < deadline, events
        events += backend.events(0.1)
    return events


def test_trial_files_and_environment(tmp_path):
    code = ("import os, sys; print('out', os.environ['NNI_TRIAL_JOB_ID'], os.environ['NNI_TRIAL_SEQ_ID'],"
            " os.environ['EXTRA_VAR'], os.environ['NNI_PLATFORM']); sys.stderr.write('err')")  # fmt: skip
    with LocalBackend() as backend:
        backend.submit(_spec(tmp_path, "t1", code))
        _wait_end(backend, "t1")
    trial_dir = tmp_path / "t1"
    assert json.loads((trial_dir / "parameter.cfg").read_text())["parameters"] == {"p": 1}
    assert (trial_dir / "stdout").read_text().split() == ["out", "t1", "3", "yes", "local"]
    assert (trial_dir / "stderr").read_text() == "err"


def test_kill_reaches_children_and_sigkill_follows(tmp_path):
    marker = tmp_path / "child.pid"
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "import nniannot; nniannot.report_intermediate_result(1)\n"
        "time.sleep(600)\n"
    )
    with LocalBackend(kill_grace=0.5) as backend:
        backend.submit(_spec(tmp_path, "t2", code))
        events = []
        while not any(e.kind == METRIC for e in events):
            events += backend.events(0.1)
        backend.cancel("t2")
        events = _wait_end(backend, "t2")
    assert events[-1].exit_code == -9  # SIGTERM was ignored: SIGKILL after the grace period
    child = int(marker.read_text())
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_missing_command_is_a_finished_event(tmp_path):
    with LocalBackend() as backend:
        spec = TrialSpec("EXP", "t3", 0, ["/no/such/program"], str(tmp_path), str(tmp_path / "t3"), {})
        backend.submit(spec)
        (end,) = [e for e in _wait_end(backend, "t3") if e.kind == FINISHED]
    assert end.exit_code is None and "cannot start" in end.stderr_tail


def test_gpus_are_assigned_exclusively(tmp_path):
    code = "import os, time; print(os.environ['CUDA_VISIBLE_DEVICES']); time.sleep(0.3)"
    names = ("g1", "g2", "g3")
    with LocalBackend(gpu_ids=["0", "1"]) as backend:
        for name in names:
            backend.submit(_spec(tmp_path, name, code, gpus=1))
        events, deadline = [], time.monotonic() + 60
        while len([e for e in events if e.kind == FINISHED]) < 3:
            assert time.monotonic() < deadline, events
            events += backend.events(0.1)
    seen = [(tmp_path / n / "stdout").read_text().strip() for n in names]
    assert sorted(seen[:2]) == ["0", "1"] and seen[2] in ("0", "1")
    # the third trial waited for a GPU: it started only after one of the first two had finished
    order = [(e.kind, e.trial_id) for e in events]
    assert order.index(("started", "g3")) > min(
        order.index(("finished", "g1")), order.index(("finished", "g2"))
    )


PROBE = """
import json, os, sys
import helper  # a module next to the script: the script's folder is on sys.path
print(json.dumps({"name": __name__, "argv": sys.argv, "cwd": os.getcwd(), "file": os.path.basename(__file__),
                  "extra": os.environ.get("EXTRA_VAR"), "helper": helper.VALUE,
                  "stdin": sys.stdin.read()}))
sys.stderr.write("to stderr\\n")
raise SystemExit(int(sys.argv[1]))
"""


def test_warm_and_cold_starts_look_the_same_to_the_trial(tmp_path):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "probe.py").write_text(PROBE)
    (code_dir / "helper.py").write_text("VALUE = 42\n")
    outputs = {}
    for warm_start in (True, False):
        with LocalBackend(warm_start=warm_start) as backend:
            name = f"w{int(warm_start)}"
            spec = TrialSpec("EXP", name, 0, [sys.executable, str(code_dir / "probe.py"), "7"], str(tmp_path),
                             str(tmp_path / name), {}, {"EXTRA_VAR": "yes"})  # fmt: skip
            backend.submit(spec)
            (end,) = [e for e in _wait_end(backend, name) if e.kind == FINISHED]
        outputs[warm_start] = (
            json.loads((tmp_path / name / "stdout").read_text()),
            end.exit_code,
            end.stderr_tail,
        )
    assert outputs[True] == outputs[False]
    seen, code, tail = outputs[True]
    assert seen["name"] == "__main__" and seen["argv"][1:] == ["7"] and seen["cwd"] == str(tmp_path)
    assert (seen["extra"], seen["helper"], seen["stdin"], code, tail) == ("yes", 42, "", 7, "to stderr\n")


def test_a_finished_trial_leaves_nothing_behind(tmp_path):
    import gc
    import threading
    import weakref

    hold = tmp_path / "hold"
    hold.touch()
    code = f"import os, time\nwhile os.path.exists({str(hold)!r}):\n    time.sleep(0.02)\n"
    with LocalBackend(warm_start=False) as backend:
        backend.submit(_spec(tmp_path, "t0", code))
        waiter = weakref.ref(next(t for t in threading.enumerate() if t.name == "trial-t0"))
        hold.unlink()
        _wait_end(backend, "t0")
        # a long experiment must not hold a waiter per trial it ran: it is let go once it has ended
        for i in range(1, 20):
            backend.submit(_spec(tmp_path, f"t{i}", "pass"))
            _wait_end(backend, f"t{i}")
            gc.collect()
            if waiter() is None:
                break
        assert waiter() is None

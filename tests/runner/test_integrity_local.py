"""The local backend survives whatever a trial writes, and leaves no process of a trial behind."""

from __future__ import annotations

import sys

from nniannot.runner.backends.base import FINISHED, METRIC, TrialSpec
from nniannot.runner.backends.local import LocalBackend
from nniannot.runner.home import Home
from nniannot.runner.store import DONE, open_reader
from tests.polling import process_alive, wait_for
from tests.runner.conftest import spawn

# A metrics record nested 100,000 deep (its value is JSON inside JSON, as in NNI's protocol), then a
# normal one: the reader may reject the first however it likes, but the trial's end must still arrive.
HOSTILE = """
import json, os
value = "[" * 100_000 + "]" * 100_000
payload = (json.dumps({"parameter_id": 0, "trial_job_id": "t", "type": "PERIODICAL", "sequence": 0,
                       "value": value}) + "\\n").encode()
path = os.path.join(os.environ["NNI_SYS_DIR"], ".nni", "metrics")
with open(path, "ab") as f:
    f.write(b"ME%06d" % len(payload) + payload)
"""


def _spec(tmp_path, trial_id, code):
    return TrialSpec(
        "EXP", trial_id, 0, [sys.executable, "-c", code], str(tmp_path), str(tmp_path / trial_id), {}
    )


def _events_until_end(backend, trial_id):
    events: list = []

    def ended():
        events.extend(backend.events(0.1))
        return any(e.kind == FINISHED and e.trial_id == trial_id for e in events)

    wait_for(ended, f"the end of {trial_id}")
    return events


def test_a_hostile_metrics_file_does_not_stop_the_backend(tmp_path):
    with LocalBackend(warm_start=False) as backend:
        backend.submit(_spec(tmp_path, "h1", HOSTILE))
        events = _events_until_end(backend, "h1")
        backend.submit(_spec(tmp_path, "h2", "import nniannot; nniannot.report_final_result(0.5)"))
        after = _events_until_end(backend, "h2")
    assert [e.exit_code for e in events if e.kind == FINISHED] == [0]
    assert [e.record.value for e in after if e.kind == METRIC and e.record] == [0.5]


def test_children_left_by_a_trial_that_ended_are_ended_too(tmp_path):
    marker = tmp_path / "child.pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
    )
    with LocalBackend(kill_grace=0.5) as backend:
        backend.submit(_spec(tmp_path, "c1", code))
        events = _events_until_end(backend, "c1")
        child = int(marker.read_text())
        wait_for(lambda: not process_alive(child), "the trial's child to be ended")
    assert [e.exit_code for e in events if e.kind == FINISHED] == [0]


def test_a_runner_whose_trial_writes_a_hostile_record_ends_and_records_it(tmp_path, home):
    script = tmp_path / "hostile.py"
    script.write_text(HOSTILE + "import nni\nnni.report_final_result(0.5)\n")
    space = tmp_path / "ss.json"
    space.write_text('{"x": {"_type": "choice", "_value": [1]}}')
    proc = spawn(home, "run", str(script), "--search-space", str(space), "--tuner", "grid", "--plain",
                 cwd=str(tmp_path))  # fmt: skip
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with open_reader(Home(home).store_path) as reader:
        (exp,) = reader.list_experiments()
        (trial,) = reader.list_trials(exp.id)
    assert exp.status == DONE and trial.finished and trial.message

"""`rerun-failed`: the failed trials' parameters run again, and nothing else (the loop's public API)."""

from __future__ import annotations

from nniannot.runner.home import Home
from nniannot.runner.store import FAILED, SUCCEEDED, open_reader
from tests.runner.conftest import write

# Fails until a file named "ready" appears beside it: the failure is fixed between the run and the rerun.
FLAKY = """
    import os

    '''@nni.variable(nni.choice(1, 2), name=h)'''
    h = 1
    if not os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ready")):
        raise RuntimeError("not ready")
    '''@nni.report_final_result(h)'''
"""


def test_rerun_failed_runs_only_the_failed_parameters_again(tmp_path, cli, home):
    script = write(tmp_path / "train.py", FLAKY)
    first = cli("run", script, "--tuner", "grid", "--max-trials", "5", "--plain")
    assert first.exit_code == 3 and "RuntimeError: not ready" in first.output, first.output
    exp_id = first.output.splitlines()[0].split()[1]
    (tmp_path / "ready").write_text("")
    again = cli("rerun-failed", exp_id, "--plain")
    assert again.exit_code == 0, again.output
    assert f"experiment {exp_id}: running 2 failed trial(s) again" in again.output
    with open_reader(Home(home).store_path) as reader:
        trials = reader.list_trials(exp_id)
    by_status = sorted((t.status, t.params["train/h/choice"]) for t in trials)
    assert by_status == [(FAILED, 1), (FAILED, 2), (SUCCEEDED, 1), (SUCCEEDED, 2)]

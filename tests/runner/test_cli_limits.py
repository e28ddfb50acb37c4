"""Numbers a user gives on the command line: range checks, `resume` with new limits, `--max-start-failures`."""

from __future__ import annotations

import pytest

from nniannot.runner.home import Home
from nniannot.runner.store import SUCCEEDED, open_reader
from tests.runner.conftest import write

QUICK = """
    '''@nni.variable(nni.uniform(0, 1), name=x)'''
    x = 0.5
    '''@nni.report_final_result(x)'''
"""
HUGE = "99999999999999999999"


@pytest.mark.parametrize("option", ["--max-trials", "--concurrency", "--gpus-per-trial"])
def test_a_huge_number_is_a_clear_error(tmp_path, cli, option):
    script = write(tmp_path / "train.py", QUICK)
    result = cli("run", script, option, HUGE)
    assert result.exit_code == 1, result.output
    assert f"error: {option} must be between" in result.output and "Traceback" not in result.output


def test_max_start_failures_is_range_checked(tmp_path, cli):
    script = write(tmp_path / "train.py", QUICK)
    negative = cli("run", script, "--max-start-failures", "-1")
    assert negative.exit_code == 2 and "--max-start-failures" in negative.output
    huge = cli("run", script, "--max-start-failures", HUGE)
    assert huge.exit_code == 1 and "error: --max-start-failures must be between 0 and" in huge.output


def test_resume_with_more_trials_extends_a_finished_experiment(tmp_path, cli, home):
    script = write(tmp_path / "train.py", QUICK)
    first = cli("run", script, "--max-trials", "3", "--tuner", "random", "--plain")
    assert first.exit_code == 0, first.output
    exp_id = first.output.splitlines()[0].split()[1]
    more = cli("resume", exp_id, "--max-trials", "5", "--max-duration", "1h", "--plain")
    assert more.exit_code == 0, more.output
    with open_reader(Home(home).store_path) as reader:
        exp = reader.get_experiment(exp_id)
        trials = reader.list_trials(exp_id)
    assert exp.status == "DONE" and (exp.max_trials, exp.max_duration) == (5, 3600.0)
    assert len(trials) == 5 and all(t.status == SUCCEEDED for t in trials)
    assert len({t.params["train/x/uniform"] for t in trials}) == 5  # the tuner went on, not over again


def test_resume_checks_its_new_limits(tmp_path, cli):
    script = write(tmp_path / "train.py", QUICK)
    first = cli("run", script, "--max-trials", "1", "--tuner", "random", "--plain")
    exp_id = first.output.splitlines()[0].split()[1]
    huge = cli("resume", exp_id, "--max-trials", HUGE)
    assert huge.exit_code == 1 and "error: --max-trials must be between 1 and" in huge.output
    bad = cli("resume", exp_id, "--max-duration", "soon")
    assert bad.exit_code == 1 and "--max-duration must be like 30s" in bad.output

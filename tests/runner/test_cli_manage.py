"""Interrupt/resume, a second runner, stop, and the reading commands (list, show, export, import, delete)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal

from nniannot.runner.home import Home
from nniannot.runner.store import SUCCEEDED, WAITING, open_reader
from tests.runner.conftest import spawn, wait_for, write, write_json

SLOW = """
    import time
    import nni

    p = nni.get_next_parameter()
    nni.report_intermediate_result(p["x"])
    time.sleep(p.get("sleep", 0.4))
    nni.report_final_result({"default": p["x"], "params": p})
"""
SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _counts(home, exp_id=None):
    with open_reader(Home(home).store_path) as reader:
        exps = reader.list_experiments()
        if not exps:
            return None
        return reader.get_experiment(exp_id or exps[0].id)


def _start(tmp_path, home, *extra):
    script = write(tmp_path / "slow.py", SLOW)
    space = write_json(tmp_path / "ss.json", SPACE)
    return spawn(
        home,
        "run",
        script,
        "--search-space",
        space,
        "--tuner",
        "random",
        "--plain",
        *extra,
        cwd=str(tmp_path),
    )


def test_interrupt_then_resume_keeps_every_finished_trial(tmp_path, home, cli):
    proc = _start(tmp_path, home, "--max-trials", "8", "--concurrency", "2")
    exp = wait_for(lambda: (e := _counts(home)) and e.counts[SUCCEEDED] >= 3 and e, what="3 finished trials")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err  # the shell's code for Ctrl-C, so a script can tell
    assert out.splitlines()[0] == f"experiment {exp.id}"
    stopped = _counts(home, exp.id)
    assert stopped.status == "STOPPED"
    with open_reader(Home(home).store_path) as reader:
        before = {t.id: t for t in reader.list_trials(exp.id)}
    finished = {i: t.final_default for i, t in before.items() if t.status == SUCCEEDED}
    assert len(finished) >= 3 and all(t.status in (SUCCEEDED, WAITING) for t in before.values())

    result = cli("resume", exp.id, "--plain")
    assert result.exit_code == 0, result.output
    assert "resuming:" in result.output
    with open_reader(Home(home).store_path) as reader:
        after = reader.list_trials(exp.id)
        final = reader.get_experiment(exp.id)
    assert final.status == "DONE" and len(after) == 8 and all(t.status == SUCCEEDED for t in after)
    assert {t.id: t.final_default for t in after if t.id in finished} == finished  # kept, not re-run
    assert sorted(t.seq for t in after) == list(range(8))  # nothing duplicated
    assert all(t.final["params"] == t.params for t in after)


def test_killed_runner_is_resumed_and_a_second_runner_is_refused(tmp_path, home, cli):
    proc = _start(tmp_path, home, "--max-trials", "4", "--concurrency", "2")
    exp = wait_for(lambda: (e := _counts(home)) and e.counts["RUNNING"] >= 1 and e, what="a running trial")
    refused = cli("resume", exp.id)
    assert refused.exit_code == 1 and "already running" in refused.output and str(proc.pid) in refused.output
    proc.kill()  # no chance to clean up: trials stay RUNNING in the store
    proc.communicate(timeout=60)
    result = cli("resume", exp.id, "--plain")
    assert result.exit_code == 0, result.output
    final = _counts(home, exp.id)
    assert final.status == "DONE" and final.counts[SUCCEEDED] == 4 and final.trial_count == 4


def test_stop_command_stops_a_running_experiment(tmp_path, home, cli):
    proc = _start(tmp_path, home, "--max-trials", "50", "--concurrency", "1")
    exp = wait_for(lambda: (e := _counts(home)) and e.counts["RUNNING"] >= 1 and e, what="a running trial")
    result = cli("stop", exp.id[:5])
    assert result.exit_code == 0 and "stopped" in result.output, result.output
    proc.communicate(timeout=60)
    assert _counts(home, exp.id).status == "STOPPED"


def test_reading_commands(tmp_path, home, cli):
    script = write(tmp_path / "slow.py", SLOW)
    space = write_json(tmp_path / "ss.json", {**SPACE, "sleep": {"_type": "choice", "_value": [0]}})
    run = cli(
        "run", script, "--search-space", space, "--max-trials", "3", "--tuner", "random", "--name", "demo"
    )
    assert run.exit_code == 0, run.output
    listing = json.loads(cli("list", "--json").output)
    (exp,) = listing["experiments"]
    assert (
        exp["name"] == "demo" and exp["trial_counts"][SUCCEEDED] == 3 and exp["best"]["params"]["sleep"] == 0
    )
    shown = json.loads(cli("show", "latest", "--json").stdout)  # stderr notes latest is elsewhere
    assert (
        len(shown["trials"]) == 3
        and {"params", "status", "final", "intermediate_count"} <= shown["trials"][0].keys()
    )
    assert "demo" in cli("list").output and exp["id"] in cli("show", "demo").output

    rows = list(
        csv.DictReader(io.StringIO(cli("export", exp["id"], "--format", "csv", "--intermediate").output))
    )
    assert len(rows) == 3 and {"trial_id", "final", "x", "intermediate"} <= rows[0].keys()
    exported = tmp_path / "export.json"
    assert cli("export", exp["id"], "--format", "json", "-o", str(exported)).exit_code == 0
    assert len(json.loads(exported.read_text())["trials"]) == 3

    # a value above every final the trials can report (x is at most 1), so it must become the best
    nni_export = [{"parameter": {"x": 0.99, "sleep": 0}, "value": "1.5", "trialJobId": "abc"}]
    imported = cli("import", exp["id"], write_json(tmp_path / "nni.json", nni_export))
    assert imported.exit_code == 0 and "imported 1" in imported.output
    assert json.loads(cli("show", exp["id"], "--json").output)["best"]["value"] == 1.5

    exp_dir = Home(home).experiment_dir(exp["id"])
    assert os.path.isdir(exp_dir)
    assert cli("delete", exp["id"], "--yes").exit_code == 0
    assert json.loads(cli("list", "--json").output)["experiments"] == [] and not os.path.exists(exp_dir)
    missing = cli("show", "nope")
    assert missing.exit_code == 1 and "no experiment" in missing.output


def test_single_trial_with_short_names(tmp_path, home, cli, capfd):
    script = write(tmp_path / "train.py", """
        '''@nni.variable(nni.choice(0.1, 0.01), name=lr)'''
        lr = 0.1
        '''@nni.variable(nni.choice(16, 64), name=hidden)'''
        hidden = 16
        print("running with", lr, hidden)
        '''@nni.report_final_result(lr * hidden)'''
    """)  # fmt: skip
    result = cli("trial", script, "--param", "lr=0.01", "--param", "hidden=64")
    assert result.exit_code == 0, result.output
    assert "running with 0.01 64" in capfd.readouterr().out  # the trial writes to the terminal itself
    assert "final result: 0.64" in result.output
    bad = cli("trial", script, "--param", "nope=1")
    assert bad.exit_code == 1 and "lr" in bad.output and "hidden" in bad.output


def test_resume_with_a_grid_runs_every_configuration_exactly_once(tmp_path, home, cli):
    script = write(tmp_path / "slow.py", SLOW)
    space = write_json(tmp_path / "ss.json", {"x": {"_type": "choice", "_value": [1, 2, 3, 4, 5, 6]}})
    proc = spawn(home, "run", script, "--search-space", space, "--tuner", "grid", "--concurrency", "2", "--plain",
                 cwd=str(tmp_path))  # fmt: skip
    wait_for(lambda: (e := _counts(home)) and e.counts[SUCCEEDED] >= 1 and e.counts["RUNNING"] >= 1,
             what="a finished and a running trial")  # fmt: skip
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    exp_id = _counts(home).id
    result = cli("resume", exp_id, "--plain")
    assert result.exit_code == 0, result.output
    with open_reader(Home(home).store_path) as reader:
        trials = reader.list_trials(exp_id)
    assert sorted(t.params["x"] for t in trials) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]  # the interrupted ones were not proposed again
    assert all(t.status == SUCCEEDED for t in trials)


def test_resume_with_new_limits_asks_a_running_experiment_s_own_runner(tmp_path, home, cli):
    proc = _start(tmp_path, home, "--max-trials", "50", "--concurrency", "1")
    exp = wait_for(lambda: (e := _counts(home)) and e.counts["RUNNING"] >= 1 and e, what="a running trial")
    result = cli("resume", exp.id, "--max-trials", "2")
    assert result.exit_code == 0 and "to update limits" in result.output, result.output
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    final = _counts(home, exp.id)
    assert final.status == "DONE" and final.max_trials == 2 and final.trial_count == 2

"""End to end: `nni-annot run` on real scripts in tmp_path, real trial processes, the store checked after."""

from __future__ import annotations

import threading

import pytest

from nniannot.runner.home import Home
from nniannot.runner.store import FAILED, SUCCEEDED, open_reader
from tests.runner.conftest import write, write_json

ANNOTATED = """
    '''@nni.variable(nni.uniform(-1, 1), name=x)'''
    x = 0.0
    '''@nni.variable(nni.choice(1, 2, 3), name=h)'''
    h = 2
    for epoch in range(3):
        '''@nni.report_intermediate_result(-(x * x) * h * epoch)'''
    '''@nni.report_final_result({"default": -(x * x) * h + h, "x": x, "h": h})'''
"""

PLAIN = """
    import sys
    import nni

    params = nni.get_next_parameter()
    nni.report_intermediate_result(0.0)
    nni.report_final_result({"default": params["x"] * 10, "params": params, "argv": sys.argv[1:]})
"""


def _store(home):
    return open_reader(Home(home).store_path)


def _exp_id(output: str) -> str:
    first = output.splitlines()[0]
    assert first.startswith("experiment "), output
    return first.split()[1]


@pytest.mark.parametrize("mode", ["maximize", "minimize"])
@pytest.mark.parametrize("concurrency", [1, 2])
def test_annotated_script_end_to_end(tmp_path, cli, home, mode, concurrency):
    script = write(tmp_path / "train.py", ANNOTATED)
    result = cli("run", script, "--tuner", "random", "--max-trials", "6", "--concurrency", str(concurrency),
                 "--optimize", mode, "--seed", "3")  # fmt: skip
    assert result.exit_code == 0, result.output
    exp_id = _exp_id(result.output)
    assert "nni shim" in result.output.splitlines()[1] or "installed nni" in result.output.splitlines()[1]
    with _store(home) as store:
        exp = store.get_experiment(exp_id)
        trials = store.list_trials(exp_id)
    assert exp.search_space == {"train/x/uniform": {"_type": "uniform", "_value": [-1, 1]},
                                "train/h/choice": {"_type": "choice", "_value": [1, 2, 3]}}  # fmt: skip
    assert len(trials) == 6 and all(t.status == SUCCEEDED for t in trials)
    assert len({t.params["train/x/uniform"] for t in trials}) == 6
    for t in trials:  # the trial ran with exactly the recorded parameters
        assert (t.final["x"], t.final["h"]) == (t.params["train/x/uniform"], t.params["train/h/choice"])
        assert t.intermediate_count == 3
    values = [t.final_default for t in trials]
    assert exp.best_value == (max(values) if mode == "maximize" else min(values))
    assert "best parameters: x=" in result.output and "nni-annot view" in result.output


def test_plain_api_script_with_search_space_and_args(tmp_path, cli, home):
    script = write(tmp_path / "plain.py", PLAIN)
    space = write_json(tmp_path / "ss.json", {"x": {"_type": "uniform", "_value": [0, 1]}})
    result = cli("run", script, "--search-space", space, "--max-trials", "3", "--tuner", "random",
                 "--", "--epochs", "5")  # fmt: skip
    assert result.exit_code == 0, result.output
    with _store(home) as store:
        trials = store.list_trials(_exp_id(result.output))
    assert [t.final["argv"] for t in trials] == [["--epochs", "5"]] * 3


def test_unannotated_script_without_space_is_a_clear_error(tmp_path, cli):
    script = write(tmp_path / "plain.py", PLAIN)
    result = cli("run", script)
    assert result.exit_code != 0 and "--search-space" in result.output and "Traceback" not in result.output


def test_every_trial_records_the_parameters_it_ran_with(tmp_path, cli, home):
    script = write(tmp_path / "plain.py", PLAIN)
    space = write_json(tmp_path / "ss.json", {"x": {"_type": "uniform", "_value": [0, 1]},
                                              "k": {"_type": "randint", "_value": [0, 1000]}})  # fmt: skip
    result = cli("run", script, "--search-space", space, "--max-trials", "24", "--concurrency", "4",
                 "--tuner", "random")  # fmt: skip
    assert result.exit_code == 0, result.output
    with _store(home) as store:
        trials = store.list_trials(_exp_id(result.output))
    assert len(trials) == 24
    assert all(t.status == SUCCEEDED and t.final["params"] == t.params for t in trials)


def test_nni_v1_config_from_the_walkthrough_runs_unchanged(tmp_path, cli, home):
    write(tmp_path / "func_approx_nni.py", """
        import sys
        import nni

        p = nni.get_next_parameter()
        score = {"ReLU": 1, "Tanh": 2}[p["act_func"]] + p["learning_rate"]
        nni.report_intermediate_result(score / 2)
        nni.report_final_result(score if sys.argv[1] == "oscillator" else -1)
    """)  # fmt: skip
    write_json(tmp_path / "search_space_non_arch.json", {
        "act_func": {"_type": "choice", "_value": ["ReLU", "Tanh"]},
        "learning_rate": {"_type": "choice", "_value": [0.005, 0.01]},
    })  # fmt: skip
    config = write(tmp_path / "config.yaml", """
        authorName: default
        experimentName: single_var_func
        trialConcurrency: 2
        maxExecDuration: 5h
        maxTrialNum: 5000
        trainingServicePlatform: local
        searchSpacePath: search_space_non_arch.json
        #searchSpacePath: search_space_arch.json
        useAnnotation: false
        tuner:
          builtinTunerName: GridSearch
        trial:
          command: python3 func_approx_nni.py oscillator
          codeDir: .
          gpuNum: 0
    """)  # fmt: skip
    result = cli("run", "--config", config)
    assert result.exit_code == 0, result.output
    with _store(home) as store:
        exp = store.get_experiment(_exp_id(result.output))
    assert exp.name == "single_var_func" and exp.trial_count == 4 and exp.counts[SUCCEEDED] == 4
    assert exp.best_value == pytest.approx(2.01) and "no more configurations" in (exp.message or "")


FAULTY = """
    import math, os, sys
    import nni

    mode = nni.get_next_parameter()["mode"]
    if mode == "crash":
        raise RuntimeError("boom in the trial")
    if mode == "exit3":
        sys.exit(3)
    if mode == "garbage":
        path = os.path.join(os.environ["NNI_SYS_DIR"], ".nni", "metrics")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "ab").write(b"%%% not a metric %%%")
    if mode == "nan":
        nni.report_final_result(math.nan)
    if mode == "inf":
        nni.report_final_result(math.inf)
    if mode == "string":
        nni.report_final_result("high")
    if mode == "ok":
        nni.report_final_result(1.0)
"""


def test_faulty_trials_are_recorded_and_the_experiment_goes_on(tmp_path, cli, home):
    script = write(tmp_path / "faulty.py", FAULTY)
    modes = [
        "ok",
        "crash",
        "exit3",
        "garbage",
        "nan",
        "inf",
        "string",
        "silent",
    ]  # a success first: no start stop
    space = write_json(tmp_path / "ss.json", {"mode": {"_type": "choice", "_value": modes}})
    result = cli("run", script, "--search-space", space, "--tuner", "grid", "--concurrency", "2")
    assert result.exit_code == 0, result.output
    with _store(home) as store:
        exp_id = _exp_id(result.output)
        trials = {t.params["mode"]: t for t in store.list_trials(exp_id)}
        assert store.get_experiment(exp_id).status == "DONE"
    assert (
        trials["crash"].status == FAILED and "RuntimeError: boom in the trial" in trials["crash"].stderr_tail
    )
    assert trials["exit3"].status == FAILED and trials["exit3"].message == "exited with code 3"
    assert trials["garbage"].status == FAILED and "garbage" in trials["garbage"].message
    assert trials["nan"].status == FAILED and "finite" in trials["nan"].message
    assert trials["inf"].status == FAILED and "finite" in trials["inf"].message
    assert trials["string"].status == FAILED and "MetricError" in trials["string"].stderr_tail
    assert "a metric must be a number, or a dict with a numeric 'default' entry, but got str ('high')" in (
        trials["string"].stderr_tail
    )
    assert trials["silent"].status == SUCCEEDED and trials["silent"].final is None
    assert trials["ok"].status == SUCCEEDED and trials["ok"].final_default == 1.0


def test_a_reader_can_follow_the_run(tmp_path, cli, home):
    script = write(tmp_path / "plain.py", PLAIN)
    space = write_json(tmp_path / "ss.json", {"x": {"_type": "uniform", "_value": [0, 1]}})
    seen: dict[str, int] = {}
    errors: list[BaseException] = []
    stop = threading.Event()

    def follow():
        try:
            with open_reader(Home(home).store_path) as reader:
                cursor: dict[str, int] = {}
                while not stop.is_set():
                    for exp in reader.list_experiments():
                        changes = reader.changes_since(exp.id, cursor.get(exp.id, 0))
                        cursor[exp.id] = changes.change_seq
                        for t in changes.trials:
                            seen[t.id] = t.updated_seq
                    stop.wait(0.02)
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    open_reader(Home(home).store_path).close()  # creates the empty store for the reader
    thread = threading.Thread(target=follow)
    thread.start()
    result = cli(
        "run", script, "--search-space", space, "--max-trials", "5", "--concurrency", "2", "--tuner", "random"
    )
    stop.set()
    thread.join(30)
    assert result.exit_code == 0, result.output and not errors
    assert not errors and len(seen) == 5


def test_bad_home_is_an_error_message(tmp_path):
    from click.testing import CliRunner

    from nniannot.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    script = write(tmp_path / "train.py", ANNOTATED)
    result = CliRunner().invoke(main, ["run", script, "--home", str(blocker / "home"), "--max-trials", "1"])
    assert result.exit_code == 1 and result.output.startswith("error: ") and "Traceback" not in result.output


def test_max_duration_cancels_running_trials(tmp_path, cli, home):
    script = write(tmp_path / "forever.py", """
        import time
        import nni

        nni.get_next_parameter()
        nni.report_intermediate_result(1.0)
        time.sleep(600)
    """)  # fmt: skip
    space = write_json(tmp_path / "ss.json", {"x": {"_type": "uniform", "_value": [0, 1]}})
    result = cli("run", script, "--search-space", space, "--max-duration", "1s", "--concurrency", "2",
                 "--tuner", "random")  # fmt: skip
    assert result.exit_code == 3, result.output  # no trial succeeded
    with _store(home) as store:
        exp = store.get_experiment(_exp_id(result.output))
        trials = store.list_trials(exp.id)
    assert exp.status == "DONE" and exp.message == "reached the maximum duration"
    assert len(trials) == 2 and {t.status for t in trials} == {"SYS_CANCELED"}


def test_run_with_view_serves_the_viewer_while_the_run_lasts(tmp_path, home):
    import urllib.error
    import urllib.request

    from tests.runner.conftest import spawn

    script = write(tmp_path / "slow.py", """
        import time
        '''@nni.variable(nni.choice(1, 2), name=a)'''
        a = 1
        time.sleep(1.5)
        '''@nni.report_final_result(a)'''
    """)  # fmt: skip
    proc = spawn(home, "run", script, "--max-trials", "2", "--view", "--plain", cwd=str(tmp_path))
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        url = next(line.split()[1] for line in lines if line.startswith("viewer: "))
        assert url.startswith("http://127.0.0.1:") and "/experiments/" in url
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and "slow.py" in page.read().decode()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


def test_tuner_named_on_the_command_line_drops_the_config_s_tuner_args(tmp_path, cli, home):
    script = write(tmp_path / "train.py", ANNOTATED)
    config = write(tmp_path / "config.yml", f"""
        script: {script}
        tuner: evolution
        tuner_args: {{population_size: 8}}
        max_trials: 2
    """)  # fmt: skip
    result = cli("run", "--config", config, "--tuner", "random", "--plain")
    assert result.exit_code == 0, result.output
    assert "replaces the config's evolution" in result.output and "population_size" in result.output


def test_a_big_search_space_is_listed_in_part_on_one_line_and_whole_in_the_trial_report(tmp_path, cli, home):
    """40 parameters: the run's started and summary lines and `show` list 32 and count the rest;
    `nni-annot show EXP TRIAL` lists every one."""
    body = "".join(f"'''@nni.variable(nni.choice({i}, {i}), name=p{i})'''\np{i} = 0\n" for i in range(40))
    script = write(tmp_path / "wide.py", body + "'''@nni.report_final_result(p39)'''\n")
    result = cli("run", script, "--tuner", "random", "--max-trials", "1", "--plain")
    assert result.exit_code == 0, result.output
    exp_id = _exp_id(result.output)
    started = next(line for line in result.output.splitlines() if " started: " in line)
    assert started.endswith("p31=31, and 8 more") and "p32=" not in started
    best = next(line for line in result.output.splitlines() if "best parameters:" in line)
    assert best.endswith("p31=31, and 8 more")
    shown = cli("show", exp_id)
    assert shown.exit_code == 0 and "p31=31, and 8 more" in shown.output and "p32=" not in shown.output
    report = cli("show", exp_id, "0")
    assert report.exit_code == 0, report.output
    assert "p32=32" in report.output and "p39=39" in report.output and "more" not in report.output

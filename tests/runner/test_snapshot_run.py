"""Every trial of an experiment runs the code as it was when the experiment started (its code snapshot)."""

from __future__ import annotations

from nniannot.runner.home import Home
from nniannot.runner.store import SUCCEEDED, open_reader
from nniannot.viewer import create_app
from tests.runner.conftest import write, write_json

# The first trial edits its own script, as a user saving the file mid-run would: the later trials must not
# see it. The edit is made by the trial itself so that the test depends on no timing.
SELF_EDITING = """
    import pathlib
    '''@nni.variable(nni.choice(1, 2, 3, 4), name=x)'''
    x = 1
    me = pathlib.Path(__file__)
    me.write_text(me.read_text().replace("report_final_result(x)", "report_final_result(x + 100)"))
    '''@nni.report_final_result(x)'''
"""

REPORT_ONLY = """
    import nni

    params = nni.get_next_parameter()
    x = params.get("x", 1)
    for step in range(3):
        '''@nni.report_intermediate_result(x * step)'''
    '''@nni.report_final_result(x * 10)'''
"""


def _trials(home: str) -> list:
    with open_reader(Home(home).store_path) as reader:
        return reader.list_trials(reader.resolve("latest"))


def test_an_edit_during_the_run_does_not_reach_later_trials(tmp_path, cli, home):
    script = write(tmp_path / "train.py", SELF_EDITING)
    result = cli("run", script, "--tuner", "grid", "--max-trials", "4")
    assert result.exit_code == 0, result.output
    trials = _trials(home)
    assert len(trials) == 4 and all(t.status == SUCCEEDED for t in trials)
    assert sorted(t.final for t in trials) == [1, 2, 3, 4]
    assert "x + 100" in (tmp_path / "train.py").read_text()  # the edit happened, and stayed the user's


def test_the_viewer_diff_shows_the_code_the_trial_ran(tmp_path, cli, home):
    script = write(tmp_path / "train.py", SELF_EDITING)
    assert cli("run", script, "--tuner", "grid", "--max-trials", "1").exit_code == 0
    [trial] = _trials(home)
    client = create_app(Home(home).store_path).test_client()
    found = client.get(f"/api/experiments/latest/trials/{trial.id}/diff").get_json()
    [shown] = found["files"]
    assert shown["path"] == "train.py"
    assert "_nni_annot.report_final_result(x)\n" in shown["diff"]
    assert "_nni_annot.report_final_result(x + 100)" not in shown["diff"]


def test_a_script_that_only_reports_reports_with_a_given_search_space(tmp_path, cli, home):
    script = write(tmp_path / "train.py", REPORT_ONLY)
    space = write_json(tmp_path / "space.json", {"x": {"_type": "choice", "_value": [1, 2, 3]}})
    result = cli("run", script, "--search-space", space, "--tuner", "grid", "--max-trials", "3")
    assert result.exit_code == 0, result.output
    assert "has no @nni annotations" not in result.output
    trials = _trials(home)
    assert sorted(t.final for t in trials) == [10, 20, 30]
    assert all(t.intermediate_count == 3 for t in trials)


def test_a_script_that_only_reports_needs_a_search_space_and_says_why(tmp_path, cli):
    script = write(tmp_path / "train.py", REPORT_ONLY)
    result = cli("run", script, "--max-trials", "1")
    assert result.exit_code != 0
    assert (
        "has @nni annotations that report results or read parameters, but none that define" in result.output
    )
    assert "Traceback" not in result.output


def test_resume_runs_the_experiments_snapshot_not_the_edited_files(tmp_path, cli, home):
    script = write(tmp_path / "train.py", SELF_EDITING)
    assert cli("run", script, "--tuner", "grid", "--max-trials", "2").exit_code == 0
    (tmp_path / "train.py").write_text("raise SystemExit('the edited file ran')\n")
    result = cli("resume", "latest", "--max-trials", "4")
    assert result.exit_code == 0, result.output
    trials = _trials(home)
    assert len(trials) == 4 and sorted(t.final for t in trials) == [1, 2, 3, 4]


def test_a_missing_code_directory_is_an_error_before_any_trial(tmp_path, cli, home):
    write(tmp_path / "t.py", "import nni\nnni.report_final_result(nni.get_next_parameter()['x'])\n")
    write_json(tmp_path / "ss.json", {"x": {"_type": "choice", "_value": [1, 2]}})
    config = tmp_path / "c.yml"
    config.write_text(
        "trialConcurrency: 1\nmaxTrialNum: 2\nsearchSpacePath: ss.json\nuseAnnotation: false\n"
        "tuner:\n  builtinTunerName: Random\ntrial:\n  command: python3 t.py\n  codeDir: nothere\n  gpuNum: 0\n"
    )
    result = cli("run", "--config", str(config))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"code directory {tmp_path / 'nothere'} does not exist or is not a folder" in result.output

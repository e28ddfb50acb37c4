"""What reading commands print: `latest` from another folder, CSV metric columns, `trial`'s directory."""

from __future__ import annotations

import csv
import io
import os
import tempfile

import pytest

from tests.runner.conftest import write

DICT_METRIC = """
    '''@nni.variable(nni.choice(1, 2), name=h)'''
    h = 9  # the default: neither trial's value
    '''@nni.report_final_result({"default": h, "loss": 1 / h, "acc": h / 10})'''
"""


@pytest.fixture
def project(tmp_path, cli):
    """An experiment of project/train.py; returns (project folder, experiment id)."""
    folder = tmp_path / "project"
    (folder / "sub").mkdir(parents=True)
    script = write(folder / "train.py", DICT_METRIC)
    result = cli("run", script, "--tuner", "grid", "--plain")
    assert result.exit_code == 0, result.output
    return folder, result.output.splitlines()[0].split()[1]


def test_latest_of_another_folder_is_named_on_stderr(tmp_path, project, cli, monkeypatch):
    folder, exp_id = project
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    shown = cli("show", "latest")
    assert shown.exit_code == 0
    assert f"note: latest is experiment {exp_id} (train.py in {folder})" in shown.stderr
    assert "note:" not in shown.stdout
    for above in (folder, tmp_path):  # the project's folder, or one the project is inside: no note
        monkeypatch.chdir(above)
        assert "note:" not in cli("show", "latest").stderr
    monkeypatch.chdir(folder / "sub")
    assert "note: latest is experiment" in cli("show", "latest").stderr


def test_csv_export_has_a_column_per_dict_metric_key(project, cli):
    _, exp_id = project
    rows = list(csv.DictReader(io.StringIO(cli("export", exp_id, "--format", "csv").stdout)))
    cells = {tuple(float(r[k]) for k in ("final", "metric.loss", "metric.acc")) for r in rows}
    assert cells == {(1.0, 1.0, 0.1), (2.0, 0.5, 0.2)}
    assert "metric.default" not in rows[0]


def _trial_dirs(root: str) -> list[str]:
    return [n for n in os.listdir(root) if n.startswith("nniannot-trial-")]


def test_trial_removes_its_temporary_directory_unless_kept(tmp_path, cli, monkeypatch):
    script = write(tmp_path / "train.py", DICT_METRIC)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    removed = cli("trial", script, "--param", "h=2")
    assert removed.exit_code == 0 and "final result: " in removed.stderr
    assert _trial_dirs(str(scratch)) == [] and "trial directory" not in removed.stderr
    kept = cli("trial", script, "--keep-dir")
    (left,) = _trial_dirs(str(scratch))
    assert kept.exit_code == 0 and f"trial directory: {scratch / left}" in kept.stderr
    chosen = tmp_path / "mine"
    assert cli("trial", script, "--dir", str(chosen)).exit_code == 0
    assert (chosen / "parameter.cfg").is_file() and (chosen / ".nni" / "metrics").is_file()


def test_best_code_options_go_with_best_code(project, cli):
    _, exp_id = project
    result = cli("show", exp_id, "--trial", "0")
    assert result.exit_code == 2 and "--trial and -o/--output go with --best-code" in result.output


def _bestcode_takes_a_trial() -> bool:
    import inspect

    from nniannot.runner import bestcode

    return (
        hasattr(bestcode, "write_best_code")
        and "trial_id" in inspect.signature(bestcode.best_code_text).parameters
    )


@pytest.mark.skipif(not _bestcode_takes_a_trial(), reason="runner/bestcode.py does not take a trial yet")
def test_best_code_of_a_chosen_trial_and_as_a_tree(tmp_path, project, cli):
    _, exp_id = project
    worst = cli("show", exp_id, "--best-code", "--trial", "#0")  # h=1 scored lower than h=2
    assert worst.exit_code == 0, worst.output
    assert "h = 1" in worst.stdout
    out = tmp_path / "best"
    tree = cli("show", exp_id, "--best-code", "-o", str(out))
    assert tree.exit_code == 0, tree.output
    assert (out / "train.py").is_file() and "h = 2" in (out / "train.py").read_text()
    assert f"wrote {out / 'train.py'}" in tree.stderr


def test_trial_with_the_script_s_own_values(tmp_path, cli, capfd):
    script = write(tmp_path / "show.py", """
        '''@nni.variable(nni.choice(1, 2), name=h)'''
        h = 9
        print("h is", h)
        '''@nni.report_final_result(h)'''
    """)  # fmt: skip
    result = cli("trial", script, "--defaults")
    assert result.exit_code == 0, result.output
    assert "h is 9" in capfd.readouterr().out  # the trial process writes to the terminal itself
    mixed = cli("trial", script, "--defaults", "--param", "h=2")
    assert mixed.exit_code == 2 and "--defaults runs the script's own values" in mixed.output

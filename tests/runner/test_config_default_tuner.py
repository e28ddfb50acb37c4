"""The tuner a run uses when none is named: one constant, and the store records that one."""

from __future__ import annotations

import json

from nniannot.runner.tuners import DEFAULT_TUNER
from tests.runner.conftest import write

SCRIPT = """
    '''@nni.variable(nni.choice(1, 2, 3), name=x)'''
    x = 1
    '''@nni.report_final_result(x)'''
"""


def test_a_run_without_a_tuner_records_the_default_tuner(tmp_path, cli):
    script = write(tmp_path / "train.py", SCRIPT)
    result = cli("run", script, "--max-trials", "2")
    assert result.exit_code == 0, result.output
    exp_id = result.output.splitlines()[0].split()[1]
    shown = cli("show", exp_id, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["tuner"] == DEFAULT_TUNER == "gp"

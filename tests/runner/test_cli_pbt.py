"""A PBT experiment end to end: each generation's trials load the checkpoints the last one saved."""

from __future__ import annotations

import json
import os

from nniannot.runner.store import open_store
from tests.runner.conftest import write

SCRIPT = """
    import json
    import os

    import nni

    '''@nni.variable(nni.uniform(0.1, 1.0), name=rate)'''
    rate = 0.5
    load = nni.get_current_parameter("load_checkpoint_dir")
    save = nni.get_current_parameter("save_checkpoint_dir")
    state = {"steps": 0, "value": 0.0}
    if load and os.path.exists(os.path.join(load, "state.json")):
        with open(os.path.join(load, "state.json")) as f:
            state = json.load(f)
    state = {"steps": state["steps"] + 1, "value": state["value"] + rate}
    os.makedirs(save, exist_ok=True)
    with open(os.path.join(save, "state.json"), "w") as f:
        json.dump(state, f)
    '''@nni.report_final_result({"default": state["value"], "steps": state["steps"]})'''
"""


def test_a_real_run_loads_and_saves_checkpoints_generation_after_generation(tmp_path, cli, home):
    script = write(tmp_path / "train.py", SCRIPT)
    result = cli("run", script, "--tuner", "PBT", "--tuner-arg", "population_size=3", "--max-trials", "9",
                 "--concurrency", "2", "--seed", "4")  # fmt: skip
    assert result.exit_code == 0, result.output
    exp_id = result.output.splitlines()[0].split()[1]
    with open_store(os.path.join(home, "store.db")) as store:
        trials = sorted(store.list_trials(exp_id), key=lambda t: t.seq)
    assert len(trials) == 9 and all(t.final is not None for t in trials)
    root = os.path.join(home, "experiments", exp_id, "checkpoint")
    for n, t in enumerate(trials):
        generation = n // 3
        assert t.params["save_checkpoint_dir"].startswith(root + os.sep)
        assert t.params["save_checkpoint_dir"].endswith(os.sep + str(generation))
        assert t.final["steps"] == generation + 1  # each step continued from the checkpoint it was given
        with open(os.path.join(t.params["save_checkpoint_dir"], "state.json")) as f:
            saved = json.load(f)
        assert saved["steps"] == generation + 1

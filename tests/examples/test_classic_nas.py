"""NNI's classic-NAS API for PyTorch: the example's space, its run, and the architecture a trial applies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.examples.conftest import EXAMPLES, TIMEOUT, assert_all_succeeded, needs_torch

pytestmark = pytest.mark.torch

EXAMPLE = EXAMPLES / "classic_nas"
SHIM = Path(__file__).resolve().parents[2] / "nniannot" / "shim"

EXPECTED_SPACE = {
    "first_conv": {"_type": "layer_choice", "_value": ["conv5x5", "conv3x3"]},
    "mid_conv": {"_type": "layer_choice", "_value": ["0", "1"]},
    "skip": {"_type": "input_choice", "_value": {"candidates": ["", ""], "n_chosen": 1}},
}


def _dump_space(script: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NNI_GEN_SEARCH_SPACE": str(out)}
    env["PYTHONPATH"] = os.pathsep.join([str(SHIM), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, script.name],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_the_example_dumps_the_space_nni_writes_and_exits(tmp_path):
    needs_torch()
    out = tmp_path / "space.json"
    done = _dump_space(EXAMPLE / "mnist.py", out)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == EXPECTED_SPACE
    assert json.loads((EXAMPLE / "nni_auto_gen_search_space.json").read_text()) == EXPECTED_SPACE


@pytest.mark.parametrize(
    ("config", "tuner"),
    [("config_ppo.yml", "ppo"), ("config_random_search.yml", "random_nas_tuner.py:RandomNASTuner")],
)
def test_the_example_runs_with_its_v1_configs(cli, config, tuner):
    """NNI's two configs of the example: the built-in PPO tuner and NNI's own custom random NAS tuner."""
    needs_torch()
    cli("run", "--config", str(EXAMPLE / config), "--max-trials", "3", "--plain")
    doc = cli.show()
    assert_all_succeeded(doc, 3)
    assert doc["search_space"] == EXPECTED_SPACE and tuner.lower() in doc["tuner"].lower()
    space_keys = set(EXPECTED_SPACE)
    for trial in doc["trials"]:
        assert set(trial["params"]) == space_keys
        assert 0 <= trial["final"] <= 100


ARCH = textwrap.dedent(
    """
    import nni
    import torch
    from nni.nas.pytorch.classic_nas import get_and_apply_next_architecture
    from nni.nas.pytorch.mutables import InputChoice, LayerChoice


    class Const(torch.nn.Module):
        def __init__(self, v):
            super().__init__()
            self.v = v

        def forward(self, x):
            return x * 0 + self.v


    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.op = LayerChoice([Const(0.0), Const(10.0), Const(20.0)])
            self.pick = InputChoice(n_candidates=3, n_chosen=2)

        def forward(self, x):
            return self.op(x) + self.pick([x * 0 + 1, x * 0 + 2, x * 0 + 4])


    net = Net()
    get_and_apply_next_architecture(net)
    nni.report_final_result(float(net(torch.zeros(1)).item()))
    """
)

CONFIG = """\
authorName: default
experimentName: arch
trialConcurrency: 1
maxTrialNum: 6
trainingServicePlatform: local
searchSpacePath: space.json
useAnnotation: false
tuner:
  builtinTunerName: Random
trial:
  command: python3 arch.py
  codeDir: .
"""


def test_a_trial_runs_the_chosen_operation_and_inputs(cli, tmp_path):
    needs_torch()
    (tmp_path / "arch.py").write_text(ARCH)
    done = _dump_space(tmp_path / "arch.py", tmp_path / "space.json")
    assert done.returncode == 0, done.stderr
    # Keys as NNI names mutables without a key: class name and one counter for all of them.
    assert json.loads((tmp_path / "space.json").read_text()) == {
        "LayerChoice1": {"_type": "layer_choice", "_value": ["0", "1", "2"]},
        "InputChoice2": {"_type": "input_choice", "_value": {"candidates": ["", "", ""], "n_chosen": 2}},
    }
    (tmp_path / "config.yml").write_text(CONFIG)
    cli("run", "--config", str(tmp_path / "config.yml"), "--max-trials", "6", "--plain")
    doc = cli.show()
    assert_all_succeeded(doc, 6)
    for trial in doc["trials"]:
        op, pick = trial["params"]["LayerChoice1"], trial["params"]["InputChoice2"]
        expected = 10.0 * op["_idx"] + sum(2**i for i in pick["_idx"])
        assert trial["final"] == expected


def test_ss_gen_trial_command_writes_the_space_nni_wrote(cli, tmp_path):
    needs_torch()
    cli("ss_gen", "--trial_command", "python3 mnist.py", "--trial_dir", str(EXAMPLE), "-o", "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == EXPECTED_SPACE
    (tmp_path / "arch.py").write_text(ARCH)
    cli("ss_gen", "-t", "python3 arch.py")  # NNI's default file, in the trial dir
    assert set(json.loads((tmp_path / "nni_auto_gen_search_space.json").read_text())) == {
        "LayerChoice1",
        "InputChoice2",
    }


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import sys\nsys.stderr.write('bad data path\\n')\nsys.exit(2)\n", "exited 2.*bad data path"),
        ("print('no model here')\n", "without writing a search space"),
        ("import time\ntime.sleep(60)\n", "within 1s"),
    ],
)
def test_ss_gen_trial_command_errors_and_writes_nothing(cli, tmp_path, script, message):
    (tmp_path / "t.py").write_text(script)
    done = cli("ss_gen", "--trial-command", "python3 t.py", "--timeout", "1", check=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert re.search(message, done.stderr, re.S), done.stderr
    assert not (tmp_path / "nni_auto_gen_search_space.json").exists()

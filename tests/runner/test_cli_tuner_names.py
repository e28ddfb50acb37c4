"""Tuner names on the CLI and in NNI configs: NetworkMorphism is refused with a reason, unknown names list the rest."""

from __future__ import annotations

import os

import pytest

from tests.runner.conftest import write, write_json

SCRIPT = """
    import nni

    p = nni.get_next_parameter()
    nni.report_final_result(p["lr"])
"""
SPACE = {"lr": {"_type": "uniform", "_value": [0.0, 1.0]}}

V1 = """
    authorName: someone
    experimentName: morph
    trialConcurrency: 1
    maxTrialNum: 3
    trainingServicePlatform: local
    searchSpacePath: space.json
    useAnnotation: false
    tuner:
      builtinTunerName: {name}
      classArgs:
        optimize_mode: maximize
        task: cv
        input_width: 32
        input_channel: 3
        n_output_node: 10
    trial:
      command: python3 train.py
      codeDir: .
"""
V2 = """
    searchSpaceFile: space.json
    trialCommand: python3 train.py
    trialCodeDirectory: .
    trialConcurrency: 1
    maxTrialNumber: 3
    tuner:
      name: {name}
      classArgs:
        optimize_mode: maximize
    trainingService:
      platform: local
"""


def _project(tmp_path):
    write(tmp_path / "train.py", SCRIPT)
    write_json(tmp_path / "space.json", SPACE)


def _assert_refused(result, home):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "NetworkMorphism tuner is not offered" in result.output
    assert "mutable_layers" in result.output and "tpe" in result.output
    assert not os.path.exists(os.path.join(home, "experiments"))  # no experiment, no trial


@pytest.mark.parametrize(
    "name", ["NetworkMorphism", "networkmorphism", "network_morphism", "NetworkMorphismTuner"]
)
def test_network_morphism_on_the_cli_is_refused_before_any_trial(tmp_path, cli, home, name):
    _project(tmp_path)
    result = cli("run", str(tmp_path / "train.py"), "--search-space", str(tmp_path / "space.json"),
                 "--tuner", name)  # fmt: skip
    _assert_refused(result, home)


@pytest.mark.parametrize("template", [V1, V2], ids=["v1", "v2"])
def test_network_morphism_in_an_nni_config_is_refused_before_any_trial(tmp_path, cli, home, template):
    _project(tmp_path)
    config = write(tmp_path / "config.yml", template.replace("{name}", "NetworkMorphism"))
    _assert_refused(cli("run", "--config", config), home)


@pytest.mark.parametrize("template", [V1, V2], ids=["v1", "v2"])
def test_an_unknown_tuner_lists_ours_and_nni_names(tmp_path, cli, home, template):
    _project(tmp_path)
    config = write(tmp_path / "config.yml", template.replace("{name}", "Smack"))
    result = cli("run", "--config", config)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "unknown tuner 'Smack'" in result.output
    for known in ("smac", "metis (MetisTuner)", "dngo (DNGOTuner)", "pbt (PBTTuner)", "tpe", "gp"):
        assert known in result.output


@pytest.mark.parametrize("name", ["SMAC", "MetisTuner", "Metis", "DNGOTuner", "DNGO", "PBTTuner", "PBT"])
def test_nni_names_of_the_new_tuners_run_from_a_v2_config(tmp_path, cli, home, name):
    _project(tmp_path)
    config = write(
        tmp_path / "config.yml", V2.replace("{name}", name).replace("maxTrialNumber: 3", "maxTrialNumber: 2")
    )
    result = cli("run", "--config", config)
    assert result.exit_code == 0, result.output

"""Configs: durations, nni-annot YAML, NNI v1 and v2 mapped onto one ExperimentConfig."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nniannot.errors import ConfigError
from nniannot.runner.config import load_config_file, parse_duration


@given(st.integers(min_value=1, max_value=36500), st.sampled_from(["", "s", "m", "h", "d", "M", "H"]))
def test_durations(n, unit):
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit.lower()]
    assert parse_duration(f"{n}{unit}") == n * factor


@given(
    st.text(max_size=8).filter(
        lambda t: not t.strip().rstrip("smhdSMHD").strip().replace(".", "", 1).isdigit()
    )
)
def test_bad_durations_are_config_errors(text):
    with pytest.raises(ConfigError, match="30s, 10m"):
        parse_duration(text)


def test_zero_and_endless_durations_are_refused():
    with pytest.raises(ConfigError, match="more than 0"):
        parse_duration("0m")
    with pytest.raises(ConfigError, match=r"at most 3,153,600,000 seconds, but got .* \(from '36501d'\)"):
        parse_duration("36501d")


def _write(tmp_path, text, name="config.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_nni_v1_config_as_in_the_seed(tmp_path):
    (tmp_path / "search_space_non_arch.json").write_text(
        json.dumps({"lr": {"_type": "choice", "_value": [1, 2]}})
    )
    path = _write(tmp_path, """
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
          classArgs:
            optimize_mode: minimize
        assessor:
          builtinAssessorName: Medianstop
        trial:
          command: python3 func_approx_nni.py oscillator
          codeDir: .
          gpuNum: 0
        """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert warnings == []
    assert (cfg.name, cfg.concurrency, cfg.max_duration, cfg.max_trials) == (
        "single_var_func",
        2,
        5 * 3600,
        5000,
    )
    assert cfg.tuner == "GridSearch" and cfg.tuner_args == {} and cfg.optimize_mode == "minimize"
    assert cfg.assessor == "Medianstop"
    assert cfg.command == ["python3", "func_approx_nni.py", "oscillator"]
    assert cfg.code_dir == str(tmp_path) and cfg.search_space == {"lr": {"_type": "choice", "_value": [1, 2]}}
    assert cfg.use_annotation is False


def test_nni_v2_config_inline_space_and_warnings(tmp_path):
    path = _write(tmp_path, """
        experimentName: v2
        searchSpace:
          x: {_type: uniform, _value: [0, 1]}
        trialCommand: python train.py --epochs 2
        trialCodeDirectory: code
        trialConcurrency: 3
        maxTrialNumber: 7
        maxExperimentDuration: 10m
        tuner:
          name: TPE
          classArgs: {optimize_mode: maximize, seed: 3}
        trainingService:
          platform: remote
        tunerGpuIndices: [0]
        """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert cfg.search_space == {"x": {"_type": "uniform", "_value": [0, 1]}}
    assert cfg.command == ["python", "train.py", "--epochs", "2"] and cfg.code_dir == str(tmp_path / "code")
    assert (cfg.concurrency, cfg.max_trials, cfg.max_duration, cfg.tuner, cfg.tuner_args) == (
        3,
        7,
        600,
        "TPE",
        {"seed": 3},
    )
    assert warnings == [
        f"{path}:14:3: ignored: `trainingService.platform: remote` (trials run on this machine; see"
        " docs/cluster.md for Dask)",
        f"{path}:15:1: ignored: `tunerGpuIndices` (the tuner runs on the CPU in nni-annot's own process)",
    ]


def test_own_config(tmp_path):
    path = _write(tmp_path, """
        script: train.py
        args: --epochs 3
        tuner: {name: random, args: {}}
        max_trials: 5
        max_duration: 1h
        concurrency: 2
        optimize_mode: minimize
        """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert cfg.script == str(tmp_path / "train.py") and cfg.args == ["--epochs", "3"]
    assert (cfg.tuner, cfg.max_trials, cfg.max_duration, cfg.concurrency) == ("random", 5, 3600, 2)
    assert warnings == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("trialConcurrency: 1\nmaxTrialNumber: 2\n", "trialCommand"),
        ("maxTrialNum: 2\ntrial: {codeDir: .}\n", "trial.command"),
        ("maxTrialNumber: two\ntrialCommand: python t.py\n", "whole number"),
        ("max_trials: [1]\nscript: t.py\n", "max_trials"),
        ("key: [unclosed\n", "not valid YAML"),
        ("- a list\n", "mapping"),
        ("searchSpaceFile: missing.json\ntrialCommand: python t.py\n", "cannot read the search space"),
    ],
)
def test_config_errors_are_located(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config_file(_write(tmp_path, text))

"""Where the one-shot mode is configured: --nas-mode's config keys in nni-annot, NNI v1 and NNI v2 YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nniannot.errors import ConfigError
from nniannot.runner.config import ExperimentConfig, load_config_file


def _load(tmp_path: Path, text: str) -> ExperimentConfig:
    path = tmp_path / "config.yml"
    path.write_text(textwrap.dedent(text))
    cfg, _ = load_config_file(str(path))
    return cfg.check()


def test_our_key_nni_v1_trial_nasmode_and_nni_v2_top_level_nasmode(tmp_path: Path) -> None:
    own = _load(tmp_path, "script: train.py\nnas_mode: darts\nretrain: 3\n")
    v1 = _load(tmp_path, "trialConcurrency: 1\ntrial:\n  command: python train.py\n  nasMode: enas_mode\n")
    v2 = _load(tmp_path, "trialCommand: python train.py\ntrialConcurrency: 1\nnasMode: oneshot_mode\n")
    assert (own.nas_mode, own.retrain, v1.nas_mode, v2.nas_mode) == ("darts", 3, "enas", "oneshot")
    assert _load(tmp_path, "script: train.py\n").nas_mode == "classic"


def test_an_unknown_mode_is_located_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "script: train.py\nnas_mode: spos\n")
    assert "config.yml:2:11" in str(caught.value) and "classic, darts, enas, oneshot" in str(caught.value)


def test_retrain_needs_a_one_shot_mode() -> None:
    with pytest.raises(ConfigError, match="retrain applies to a one-shot search"):
        ExperimentConfig(script="train.py", retrain=2).check()
    with pytest.raises(ConfigError, match="nas mode must be one of"):
        ExperimentConfig(script="train.py", nas_mode="spos").check()

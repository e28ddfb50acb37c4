"""Per-trial time limit and start-failure limit from every config form; check() reports every problem."""

from __future__ import annotations

import textwrap

import pytest

from nniannot.errors import ConfigError
from nniannot.runner.config import ExperimentConfig, load_config_file


def _load(tmp_path, text):
    path = tmp_path / "config.yml"
    path.write_text(textwrap.dedent(text).lstrip())
    return load_config_file(str(path))


@pytest.mark.parametrize(("value", "seconds"), [("1h", 3600.0), ("90s", 90.0), (45, 45.0), ("0.5m", 30.0)])
def test_nni_v2_max_trial_duration(tmp_path, value, seconds):
    cfg, warnings = _load(tmp_path, f"trialCommand: python t.py\nmaxTrialDuration: {value}\n")
    assert (cfg.max_trial_duration, warnings) == (seconds, [])
    assert cfg.to_json()["max_trial_duration"] == seconds


def test_own_max_trial_duration_and_start_failures(tmp_path):
    cfg, warnings = _load(tmp_path, "script: t.py\nmax_trial_duration: 10m\nmax_start_failures: 5\n")
    assert (cfg.max_trial_duration, cfg.max_start_failures, warnings) == (600.0, 5, [])
    assert {k: cfg.to_json()[k] for k in ("max_trial_duration", "max_start_failures")} == {
        "max_trial_duration": 600.0,
        "max_start_failures": 5,
    }


@pytest.mark.parametrize("value", ["0", "null"])
def test_start_failures_can_be_switched_off(tmp_path, value):
    cfg, _ = _load(tmp_path, f"script: t.py\nmax_start_failures: {value}\n")
    assert not cfg.max_start_failures
    cfg.check()


def test_defaults():
    cfg = ExperimentConfig(script="t.py")
    assert (cfg.max_trial_duration, cfg.max_start_failures) == (None, 3)
    assert cfg.check() is cfg


def test_nni_v1_has_no_per_trial_limit(tmp_path):
    cfg, _ = _load(tmp_path, "maxTrialNum: 2\ntrial: {command: python t.py}\n")
    assert cfg.max_trial_duration is None


def test_check_reports_every_problem_at_once():
    cfg = ExperimentConfig(script="t.py", concurrency=0, max_trials=10**19, gpus_per_trial=-1, kill_grace=-1.0,
                           max_duration=float("inf"), max_trial_duration=0.0, max_start_failures=-1,
                           optimize_mode="best")  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        cfg.check()
    assert str(caught.value).splitlines() == [
        "8 problems in the configuration:",
        "concurrency must be between 1 and 10,000, but got 0",
        "gpus_per_trial must be between 0 and 1,024, but got -1",
        "kill_grace must be at least 0 and at most 3,600 seconds, but got -1.0",
        "max_trials must be between 1 and 1,000,000,000, but got 10000000000000000000",
        "max_duration must be more than 0 and at most 3,153,600,000 seconds, but got inf",
        "max_trial_duration must be more than 0 and at most 3,153,600,000 seconds, but got 0.0",
        "max_start_failures must be between 0 and 1,000,000,000, but got -1",
        "optimize mode must be maximize or minimize, but got 'best'",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"concurrency": 99999999999999999999}, "concurrency must be between 1 and 10,000"),
        ({"max_trials": True}, "max_trials must be a whole number, but got True"),
        ({"max_start_failures": 10**10}, "max_start_failures must be between 0 and 1,000,000,000"),
        ({"seed": "7"}, "seed must be a whole number, but got '7'"),
    ],
)
def test_check_one_problem(fields, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(script="t.py", **fields).check()

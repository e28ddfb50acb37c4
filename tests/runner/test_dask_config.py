"""Choosing the Dask backend: CLI options, nni-annot and NNI v2 YAML, their mistakes, and a missing Dask.

None of these start a cluster, so they run without the dask extra.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from nniannot.errors import ConfigError
from nniannot.runner.config import ExperimentConfig, load_config_file
from tests.runner.conftest import write

SCRIPT = """
    '''@nni.variable(nni.choice(1, 2), name=x)'''
    x = 1
    '''@nni.report_final_result(x)'''
"""


def _yaml(tmp_path, text):
    path = tmp_path / "config.yml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_own_yaml_with_a_dask_training_service(tmp_path):
    path = _yaml(tmp_path, """
        script: train.py
        trainingService:
          platform: dask
          scheduler: tcp://10.0.0.5:8786
          upload: [data, "conf/*.json"]
          retry_lost: true
          shared_fs: false
    """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert (cfg.backend, cfg.scheduler, cfg.retry_lost, cfg.shared_fs) == (
        "dask",
        "tcp://10.0.0.5:8786",
        True,
        False,
    )
    assert cfg.upload == [str(tmp_path / "data"), str(tmp_path / "conf" / "*.json")]
    assert warnings == []
    cfg.check()


def test_a_misspelt_dask_key_is_an_error_naming_the_right_one(tmp_path):
    path = _yaml(tmp_path, """
        script: train.py
        trainingService:
          platform: dask
          local_worker: 3
    """)  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert (
        f"{path}:5:3: error: unknown key `trainingService.local_worker`; did you mean `local_workers`?"
        in str(caught.value)
    )


def test_own_yaml_top_level_keys_need_the_dask_backend(tmp_path):
    cfg, _ = load_config_file(_yaml(tmp_path, "script: train.py\nbackend: dask\nlocal_workers: 2\n"))
    assert (cfg.backend, cfg.local_workers) == ("dask", 2)
    cfg, _ = load_config_file(_yaml(tmp_path, "script: train.py\nscheduler: tcp://h:8786\n"))
    with pytest.raises(ConfigError, match="scheduler only apply to the dask backend"):
        cfg.check()


def test_nni_v2_dask_training_service(tmp_path):
    path = _yaml(tmp_path, """
        trialCommand: python3 mnist.py
        searchSpace: {lr: {_type: choice, _value: [0.1, 0.01]}}
        trainingService: {platform: dask, scheduler: "tcp://sched:8786", localWorkers: null, sharedFs: true}
    """)  # fmt: skip
    cfg, warnings = load_config_file(path)
    assert (cfg.source, cfg.backend, cfg.scheduler, cfg.shared_fs) == (
        "nni-v2",
        "dask",
        "tcp://sched:8786",
        True,
    )
    assert warnings == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"backend": "slurm"}, "backend must be local or dask"),
        ({"backend": "dask"}, "needs a scheduler address"),
        ({"backend": "dask", "scheduler": "tcp://a:1", "local_workers": 2}, "not both"),
        ({"backend": "dask", "local_workers": 0}, "local_workers must be between 1 and 10,000, but got 0"),
        ({"retry_lost": True}, "retry lost only apply to the dask backend"),
    ],
)
def test_backend_mistakes_are_config_errors(fields, message, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(script="train.py", **fields).check()


def test_cli_scheduler_without_the_dask_backend(tmp_path, cli):
    script = write(tmp_path / "train.py", SCRIPT)
    result = cli("run", script, "--scheduler", "tcp://127.0.0.1:8786")
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == (
        "error: scheduler only apply to the dask backend (--backend dask)"
    )


def test_cli_without_dask_says_how_to_install_it(tmp_path, cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    script = write(tmp_path / "train.py", SCRIPT)
    result = cli("run", script, "--backend", "dask", "--local-workers", "1", "--upload", str(script))
    assert result.exit_code != 0
    assert (
        result.output.strip().splitlines()[-1]
        == "error: the dask backend needs Dask: pip install 'nni-annot[dask]'"
    )

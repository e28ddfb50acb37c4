"""One experiment configuration, whatever it came from: CLI options, nni-annot's YAML, or an NNI config.

:func:`load_config_file` reads a YAML file in any of the three formats (NNI v1 and v2 are mapped by
:mod:`nniannot.runner.nni_config`, nni-annot's own keys by :mod:`nniannot.runner.own_config`). Relative paths
resolve against the file's folder. Every problem of a file is reported at once, each at its file:line:col:
unknown keys are errors naming the nearest known key; NNI keys without an effect here are warnings.

This module is also where the rest of nni-annot imports the configuration's names from.
"""

from __future__ import annotations

import os

from nniannot.runner import nni_config, own_config
from nniannot.runner.config_section import Section
from nniannot.runner.config_values import load_search_space_file, parse_duration, resolve_path, split_command
from nniannot.runner.config_yaml import load_yaml
from nniannot.runner.experiment_config import DEFAULT_MAX_TRIALS, ExperimentConfig, default_tuner

__all__ = [
    "DEFAULT_MAX_TRIALS",
    "ExperimentConfig",
    "default_tuner",
    "load_config_file",
    "load_search_space_file",
    "parse_duration",
    "resolve_path",
    "split_command",
]


def load_config_file(path: str) -> tuple[ExperimentConfig, list[str]]:
    """Read an nni-annot, NNI v1 or NNI v2 YAML config. Returns the config and its warnings (one line each).

    Raises ConfigFileError (a ConfigError) listing every error of the file, each at its place.
    """
    data, problems = load_yaml(path)
    top = Section(data, problems)
    base = os.path.dirname(os.path.abspath(path))
    readers = {"v1": nni_config.from_v1, "v2": nni_config.from_v2, "own": own_config.from_yaml}
    cfg = readers[nni_config.detect(data)](top, base)
    problems.raise_errors()
    return cfg, problems.warnings

"""``nni-annot trial``: one trial with given parameters, in the foreground, output to the terminal.

The trial's directory (parameter.cfg, .nni/metrics) is a temporary one, removed once its results are read,
unless the caller keeps it or names a directory of its own.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from nniannot import protocol
from nniannot.errors import ConfigError
from nniannot.runner.prepare import TrialLaunch
from nniannot.searchspace import SearchSpace, short_names


def parse_params(params_json: str | None, pairs: tuple[str, ...], space: dict[str, Any]) -> dict[str, Any]:
    """Parameters from ``--params JSON`` and ``--param name=value`` (short names allowed when unambiguous).

    A value is read as JSON when it parses (``0.01``, ``true``, ``[1, 2]``), else taken as a string.
    """
    params: dict[str, Any] = {}
    if params_json:
        try:
            loaded = json.loads(params_json)
        except ValueError as exc:
            raise ConfigError(f"--params is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise ConfigError("--params must be a JSON object of parameter values")
        params.update(loaded)
    names = short_names(list(space))
    by_name: dict[str, str] = {}
    for full, short in names.items():
        for alias in {full, short}:
            by_name[alias] = full
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise ConfigError(f"--param must be NAME=VALUE, but got {pair!r}")
        key: str | None = by_name.get(name.strip(), name.strip() if not space else None)
        if key is None:
            known = ", ".join(sorted(set(names.values()))) or "none"
            raise ConfigError(f"unknown parameter {name!r}; the parameters are: {known}")
        params[key] = _value(text)
    return {key: params.get(key) for key in params}


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def fill_missing(params: dict[str, Any], space: dict[str, Any], seed: int | None) -> list[str]:
    """Sample the parameters the user did not give; returns their keys."""
    if not space:
        return []
    parsed = SearchSpace.from_json(space)
    sample = parsed.sample(random.Random(seed))
    missing = [k for k in sample if k not in params]
    for key in missing:
        params[key] = sample[key]
    parsed.check(params)
    return missing


@dataclass(frozen=True)
class SingleResult:
    """What the trial did; ``trial_dir`` exists afterwards only if ``kept``."""

    exit_code: int
    trial_dir: str
    intermediates: list[Any]
    final: Any
    problems: list[str]
    kept: bool = True


def run_single(
    launch: TrialLaunch, params: dict[str, Any], trial_dir: str | None = None, keep: bool = False
) -> SingleResult:
    """Run one trial with stdout/stderr inherited; read back what it reported.

    ``trial_dir`` (created if missing) is always kept; without it a temporary directory is used and removed
    afterwards unless ``keep``.
    """
    kept = keep or trial_dir is not None
    if trial_dir is None:
        trial_dir = tempfile.mkdtemp(prefix="nniannot-trial-")
    try:
        code, inter, finals, problems = _run_in(launch, params, os.path.abspath(trial_dir))
    finally:
        if not kept:
            shutil.rmtree(trial_dir, ignore_errors=True)
    return SingleResult(code, trial_dir, inter, finals[0] if finals else None, problems, kept)


def _run_in(launch: TrialLaunch, params: dict[str, Any], trial_dir: str) -> tuple[int, list, list, list[str]]:
    os.makedirs(os.path.join(trial_dir, ".nni"), exist_ok=True)
    protocol.write_parameter_file(trial_dir, params)
    env = {**os.environ, **launch.env, **protocol.trial_environment("STANDALONE", "TRIAL", trial_dir, 0)}
    try:
        code = subprocess.run(launch.command, cwd=launch.cwd, env=env, check=False).returncode
    except OSError as exc:
        raise ConfigError(f"cannot start {launch.command[0]!r}: {exc.strerror or exc}") from None
    records, problems = protocol.MetricReader(os.path.join(trial_dir, protocol.METRICS_FILE)).finish()
    inter = [r.value for r in records if r.kind == "PERIODICAL"]
    finals = [r.value for r in records if r.kind == "FINAL"]
    return code, inter, finals, problems


def run_standalone(launch: TrialLaunch) -> int:
    """Run the trial's code outside any experiment: every annotation keeps the script's own value.

    Reports are only logged (to stderr), as the runtime does when no trial environment is set. Returns the
    exit code.
    """
    env = {k: v for k, v in {**os.environ, **launch.env}.items() if not k.startswith("NNI_")}
    try:
        return subprocess.run(launch.command, cwd=launch.cwd, env=env, check=False).returncode
    except OSError as exc:
        raise ConfigError(f"cannot start {launch.command[0]!r}: {exc.strerror or exc}") from None

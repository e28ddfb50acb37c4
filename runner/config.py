"""One experiment configuration, whatever it came from: CLI options, nni-annot's YAML, or an NNI config.

:class:`ExperimentConfig` is what the runner uses. :func:`load_config_file` reads a YAML file in any of the
three formats (NNI v1 and v2 are mapped by :mod:`nniannot.runner.nni_config`); relative paths resolve against the
file's folder; unknown keys give one warning each rather than an error.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

from nniannot.errors import ConfigError

DEFAULT_MAX_TRIALS = 20
DEFAULT_TUNERS = ("tpe", "random")  # the first registered one is used when no tuner is named

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any, what: str = "duration") -> float | None:
    """Seconds from ``"30s"``, ``"10m"``, ``"1h"``, ``"2d"`` or a number of seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be like 30s, 10m, 1h or 2d, but got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(f"{what} must be like 30s, 10m, 1h or 2d, but got {value!r}")
        seconds = float(match.group(1)) * _UNIT[match.group(2).lower()]
    if seconds <= 0:
        raise ConfigError(f"{what} must be positive, but got {value!r}")
    return seconds


def default_tuner() -> str:
    """The tuner used when none is named: TPE if it is available, else random search."""
    from nniannot.runner.tuners import tuner_names

    names = tuner_names()
    return next((n for n in DEFAULT_TUNERS if n in names), "random")


@dataclass
class ExperimentConfig:
    """Everything an experiment needs. ``command`` is the trial's argv (``script`` + ``args`` if empty).

    ``use_annotation`` None means: find out from the script (annotations present -> transform it).
    ``search_space`` is an NNI JSON dict when given explicitly (file or inline).
    """

    script: str | None = None
    args: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    code_dir: str | None = None
    workdir: str | None = None  # trials' working directory; None: code_dir (NNI's behaviour)
    search_space: dict[str, Any] | None = None
    search_space_file: str | None = None
    use_annotation: bool | None = None
    tuner: str | None = None
    tuner_args: dict[str, Any] = field(default_factory=dict)
    assessor: str | None = None
    assessor_args: dict[str, Any] = field(default_factory=dict)
    optimize_mode: str = "maximize"
    max_trials: int | None = DEFAULT_MAX_TRIALS
    max_duration: float | None = None
    concurrency: int = 1
    seed: int | None = None
    gpus_per_trial: int = 0
    name: str | None = None
    kill_grace: float = 5.0
    source: str = "options"  # options | nni-annot | nni-v1 | nni-v2
    backend: str = "local"  # local | dask (see docs/cluster.md)
    scheduler: str | None = None  # dask: the scheduler's address
    local_workers: int | None = None  # dask: start a local cluster of this many worker processes instead
    upload: list[str] = field(default_factory=list)  # dask: more files to ship (absolute, globs allowed)
    shared_fs: bool = False  # dask: the workers see the runner's paths, nothing is shipped
    retry_lost: bool = False  # dask: run a trial once more if its worker dies

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def check(self) -> ExperimentConfig:
        """Validate limits and modes; raise ConfigError naming the setting."""
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, but got {self.concurrency}")
        if self.max_trials is not None and self.max_trials < 1:
            raise ConfigError(f"max trials must be at least 1, but got {self.max_trials}")
        if self.gpus_per_trial < 0:
            raise ConfigError(f"gpus per trial must be 0 or more, but got {self.gpus_per_trial}")
        if str(self.optimize_mode).lower() not in ("maximize", "minimize"):
            raise ConfigError(f"optimize mode must be maximize or minimize, but got {self.optimize_mode!r}")
        self.optimize_mode = str(self.optimize_mode).lower()
        if not self.script and not self.command:
            raise ConfigError("no trial to run: give a script (nni-annot run train.py) or a trial command")
        self._check_backend()
        return self

    def _check_backend(self) -> None:
        if self.backend not in ("local", "dask"):
            raise ConfigError(f"backend must be local or dask, but got {self.backend!r}")
        if self.local_workers is not None and self.local_workers < 1:
            raise ConfigError(f"local workers must be at least 1, but got {self.local_workers}")
        dask_only = {"scheduler": self.scheduler, "local workers": self.local_workers, "upload": self.upload,
                     "shared fs": self.shared_fs, "retry lost": self.retry_lost}  # fmt: skip
        given = [name for name, value in dask_only.items() if value]
        if self.backend == "local" and given:
            raise ConfigError(f"{', '.join(given)} only apply to the dask backend (--backend dask)")
        if self.scheduler and self.local_workers:
            raise ConfigError("give either a scheduler address or local workers, not both")
        if self.backend == "dask" and not (
            self.scheduler or self.local_workers or os.environ.get("DASK_SCHEDULER_ADDRESS")
        ):
            raise ConfigError("the dask backend needs a scheduler address (--scheduler) or --local-workers N")


def split_command(command: Any, where: str) -> list[str]:
    """A trial command as argv: a shell-like string goes through shlex, a list is kept."""
    if isinstance(command, list) and all(isinstance(c, str) for c in command):
        return list(command)
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: the trial command must be a non-empty string, but got {command!r}")
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{where}: cannot split the trial command {command!r}: {exc}") from None


def load_search_space_file(path: str) -> dict[str, Any]:
    """Read an NNI search-space JSON file (ConfigError if missing or not a JSON object)."""
    try:
        with open(path, encoding="utf-8") as f:
            space = json.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read the search space {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(space, dict):
        raise ConfigError(f"{path}: a search space must be a JSON object of parameters")
    return space


def resolve_path(base: str, path: Any, where: str) -> str:
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{where} must be a path, but got {path!r}")
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def load_config_file(path: str) -> tuple[ExperimentConfig, list[str]]:
    """Read an nni-annot, NNI v1 or NNI v2 YAML config. Returns the config and one warning per ignored key."""
    import yaml

    from nniannot.runner import nni_config, own_config

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read the config {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{place}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a YAML mapping of settings")
    base = os.path.dirname(os.path.abspath(path))
    kind = nni_config.detect(data)
    if kind == "v1":
        return nni_config.from_v1(data, base, path)
    if kind == "v2":
        return nni_config.from_v2(data, base, path)
    return own_config.from_yaml(data, base, path)

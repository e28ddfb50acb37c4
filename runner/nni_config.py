"""NNI experiment configs (v1 ``nnictl create`` YAML and v2) mapped onto :class:`ExperimentConfig`.

Both run unchanged: keys with a meaning here are honoured, keys that only mattered to NNI's own services
are ignored quietly, and anything else gets a one-line warning ("ignored: ...") instead of an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.config import (
    ExperimentConfig,
    load_search_space_file,
    parse_duration,
    resolve_path,
    split_command,
)

_V1_MARKERS = {"authorName", "trainingServicePlatform", "maxTrialNum", "maxExecDuration", "searchSpacePath"}
_V2_MARKERS = {
    "trialCommand",
    "searchSpaceFile",
    "trainingService",
    "maxTrialNumber",
    "maxExperimentDuration",
}
# Keys that only configured NNI's own manager/web UI: nothing to do here, nothing to warn about.
_QUIET = {
    "authorName", "description", "logDir", "logLevel", "debug", "versionCheck", "logCollection", "nniManagerIp",
    "experimentWorkingDirectory", "multiThread", "experimentType", "tunerGpuIndices", "multiPhase",
}  # fmt: skip


def detect(data: dict[str, Any]) -> str:
    """``"v1"``, ``"v2"`` or ``"own"`` (nni-annot's format) for a parsed YAML mapping."""
    if "script" in data and "trialCommand" not in data:  # nni-annot's own, perhaps with a trainingService
        return "own"
    if _V1_MARKERS & data.keys() or (isinstance(data.get("trial"), dict) and "command" in data["trial"]):
        return "v1"
    if _V2_MARKERS & data.keys():
        return "v2"
    return "own"


class _Reader:
    """Takes keys out of a mapping and records the ones nobody took."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data, self.where, self.used = data, where, set(_QUIET)

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def leftovers(self, path: str) -> list[str]:
        return [
            f"{path}: ignored: `{self.where}{k}` is not supported" for k in self.data if k not in self.used
        ]


def _algorithm(
    section: Any, name_keys: tuple[str, ...], where: str, path: str
) -> tuple[str | None, dict, list]:
    """(name, class args, warnings) of a tuner/assessor/advisor section."""
    if section is None:
        return None, {}, []
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `{where}` must be a mapping with a name and classArgs")
    reader = _Reader(section, f"{where}.")
    name = next((reader.get(k) for k in name_keys if section.get(k) is not None), None)
    for k in name_keys:
        reader.get(k)
    if name is None:
        custom = section.get("className") or section.get("codeDir") or section.get("codeDirectory")
        hint = " (custom tuner classes are not supported)" if custom else ""
        raise ConfigError(f"{path}: `{where}` needs {' or '.join(name_keys)}{hint}")
    args = reader.get("classArgs") or {}
    if not isinstance(args, dict):
        raise ConfigError(f"{path}: `{where}.classArgs` must be a mapping")
    reader.get("gpuIndices")
    reader.get("gpuNum")
    return str(name), dict(args), reader.leftovers(path)


def _apply_algorithms(
    cfg: ExperimentConfig, data: dict, reader: _Reader, keys: tuple[str, ...], path: str
) -> list:
    warnings: list[str] = []
    tuner, tuner_args, w1 = _algorithm(reader.get("tuner"), keys, "tuner", path)
    advisor, advisor_args, w2 = _algorithm(reader.get("advisor"), keys, "advisor", path)
    assessor, assessor_args, w3 = _algorithm(reader.get("assessor"), keys, "assessor", path)
    warnings += w1 + w2 + w3
    if advisor and not tuner:  # Hyperband/BOHB were "advisors" in NNI: a tuner here
        tuner, tuner_args = advisor, advisor_args
    for args in (tuner_args, assessor_args):
        mode = args.pop("optimize_mode", None)
        if mode is not None:
            cfg.optimize_mode = str(mode)
    cfg.tuner, cfg.tuner_args = tuner, tuner_args
    cfg.assessor, cfg.assessor_args = assessor, assessor_args
    return warnings


def _trial_command(cfg: ExperimentConfig, command: Any, code_dir: str, where: str) -> None:
    cfg.command = split_command(command, where)
    cfg.code_dir = code_dir


def _int(value: Any, what: str, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{path}: `{what}` must be a whole number, but got {value!r}")
    return value


def _platform(value: Any, path: str, key: str) -> list[str]:
    platform = value.get("platform") if isinstance(value, dict) else value
    if platform in (None, "local"):
        return []
    return [
        f"{path}: ignored: `{key}: {platform}` (trials run on this machine; see docs/cluster.md for Dask)"
    ]


def from_v1(data: dict[str, Any], base: str, path: str) -> tuple[ExperimentConfig, list[str]]:
    """Map an NNI v1 config (``nnictl create --config``)."""
    reader, cfg = _Reader(data, ""), ExperimentConfig(source="nni-v1", max_trials=None)
    warnings = _platform(reader.get("trainingServicePlatform"), path, "trainingServicePlatform")
    cfg.name = reader.get("experimentName")
    cfg.concurrency = _int(reader.get("trialConcurrency", 1), "trialConcurrency", path) or 1
    cfg.max_duration = parse_duration(reader.get("maxExecDuration"), "maxExecDuration")
    cfg.max_trials = _int(reader.get("maxTrialNum"), "maxTrialNum", path)
    space = reader.get("searchSpacePath")
    if space is not None:
        cfg.search_space_file = resolve_path(base, space, "searchSpacePath")
        cfg.search_space = load_search_space_file(cfg.search_space_file)
    cfg.use_annotation = bool(reader.get("useAnnotation", False))
    warnings += _apply_algorithms(
        cfg, data, reader, ("builtinTunerName", "builtinAssessorName", "builtinAdvisorName"), path
    )
    trial = reader.get("trial")
    if not isinstance(trial, dict) or "command" not in trial:
        raise ConfigError(f"{path}: an NNI v1 config needs `trial.command`")
    trial_reader = _Reader(trial, "trial.")
    code_dir = resolve_path(base, trial_reader.get("codeDir", "."), "trial.codeDir")
    _trial_command(cfg, trial_reader.get("command"), code_dir, f"{path}: trial.command")
    cfg.gpus_per_trial = _int(trial_reader.get("gpuNum", 0), "trial.gpuNum", path) or 0
    warnings += trial_reader.leftovers(path)
    local = reader.get("localConfig")
    if isinstance(local, dict):
        warnings += _Reader(
            {k: v for k, v in local.items() if k != "useActiveGpu"}, "localConfig."
        ).leftovers(path)
    return cfg, warnings + reader.leftovers(path)


def from_v2(data: dict[str, Any], base: str, path: str) -> tuple[ExperimentConfig, list[str]]:
    """Map an NNI v2 config (``trialCommand``, ``searchSpaceFile`` or inline ``searchSpace``, ...)."""
    reader, cfg = _Reader(data, ""), ExperimentConfig(source="nni-v2", max_trials=None)
    warnings = _v2_training_service(cfg, reader.get("trainingService"), base, path)
    cfg.name = reader.get("experimentName")
    cfg.concurrency = _int(reader.get("trialConcurrency", 1), "trialConcurrency", path) or 1
    cfg.max_duration = parse_duration(reader.get("maxExperimentDuration"), "maxExperimentDuration")
    cfg.max_trials = _int(reader.get("maxTrialNumber"), "maxTrialNumber", path)
    cfg.gpus_per_trial = _int(reader.get("trialGpuNumber", 0), "trialGpuNumber", path) or 0
    space_file, inline = reader.get("searchSpaceFile"), reader.get("searchSpace")
    if space_file is not None:
        cfg.search_space_file = resolve_path(base, space_file, "searchSpaceFile")
        cfg.search_space = load_search_space_file(cfg.search_space_file)
    elif inline is not None:
        if not isinstance(inline, dict):
            raise ConfigError(f"{path}: `searchSpace` must be a mapping of parameters")
        cfg.search_space = inline
    cfg.use_annotation = bool(reader.get("useAnnotation", False))
    warnings += _apply_algorithms(cfg, data, reader, ("name", "builtinTunerName"), path)
    if reader.get("trialCommand") is None:
        raise ConfigError(f"{path}: an NNI v2 config needs `trialCommand`")
    code_dir = resolve_path(base, data.get("trialCodeDirectory", "."), "trialCodeDirectory")
    reader.get("trialCodeDirectory")
    _trial_command(cfg, data["trialCommand"], code_dir, f"{path}: trialCommand")
    if reader.get("maxTrialDuration") is not None:
        warnings.append(f"{path}: ignored: `maxTrialDuration` (per-trial time limits are not supported yet)")
    return cfg, warnings + reader.leftovers(path)


def _v2_training_service(cfg: ExperimentConfig, value: Any, base: str, path: str) -> list[str]:
    services = value if isinstance(value, list) else [value]
    out: list[str] = []
    for service in services:
        if isinstance(service, dict) and service.get("platform") == "dask":
            cfg.backend = "dask"
            out += dask_service(cfg, service, base, path)
        else:
            out += _platform(service, path, "trainingService.platform")
    return out


_DASK_KEYS = {"scheduler": "scheduler", "localWorkers": "local_workers", "local_workers": "local_workers",
              "upload": "upload", "sharedFs": "shared_fs", "shared_fs": "shared_fs", "retryLost": "retry_lost",
              "retry_lost": "retry_lost"}  # fmt: skip


def dask_service(
    cfg: ExperimentConfig, service: dict[str, Any], base: str, path: str, where: str = "trainingService."
) -> list[str]:
    """Apply the dask settings of ``trainingService: {platform: dask, scheduler: ..., local_workers: ...,
    upload: [...], shared_fs: ..., retry_lost: ...}`` (camelCase too); a warning for each unknown key.

    Choosing the dask backend is the caller's business."""
    warnings = []
    for key, value in service.items():
        attr = _DASK_KEYS.get(key)
        if key == "platform" or value is None:
            continue
        if attr is None:
            warnings.append(f"{path}: ignored: `{where}{key}` is not supported for dask")
        elif attr == "upload":
            items = value if isinstance(value, list) else [value]
            cfg.upload += [resolve_path(base, item, f"{where}upload") for item in items]
        elif attr == "local_workers":
            cfg.local_workers = _int(value, f"{where}{key}", path)
        elif attr == "scheduler":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: `{where}scheduler` must be an address, but got {value!r}")
            cfg.scheduler = value
        else:
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: `{where}{key}` must be true or false, but got {value!r}")
            setattr(cfg, attr, value)
    return warnings


def script_of(
    command: list[str], code_dir: str | None, is_python: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """The Python script a trial command runs and the arguments after it (ConfigError if none)."""
    rest = command[1:] if command and is_python(command[0]) else command
    for i, token in enumerate(rest):
        if token.endswith(".py"):
            return os.path.join(code_dir or ".", token), rest[i + 1 :]
        if not token.startswith("-"):
            break
    raise ConfigError(
        f"useAnnotation needs a trial command of the form `python script.py ...`, but got {' '.join(command)!r}"
    )

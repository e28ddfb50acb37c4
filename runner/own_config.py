"""nni-annot's own YAML config: the CLI options of ``nni-annot run`` as keys (see docs/config.md)."""

from __future__ import annotations

import shlex
from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.config import (
    ExperimentConfig,
    load_search_space_file,
    parse_duration,
    resolve_path,
    split_command,
)
from nniannot.runner.nni_config import dask_service

_KEYS = (
    "script", "args", "command", "code_dir", "search_space", "use_annotation", "tuner", "tuner_args",
    "assessor", "assessor_args", "optimize_mode", "max_trials", "max_duration", "concurrency", "seed",
    "gpus_per_trial", "name", "kill_grace", "backend", "scheduler", "local_workers", "upload", "shared_fs",
    "retry_lost", "trainingService",
)  # fmt: skip


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path}: `{key}` must be {names}, but got {value!r}")
    return value


def _algorithm(data: dict[str, Any], key: str, path: str) -> tuple[str | None, dict[str, Any]]:
    value = data.get(key)
    args = _typed(data, f"{key}_args", dict, path) or {}
    if isinstance(value, dict):
        extra = value.get("args", value.get("class_args", value.get("classArgs", {})))
        if not isinstance(extra, dict):
            raise ConfigError(f"{path}: `{key}.args` must be a mapping")
        return value.get("name"), {**extra, **args}
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: `{key}` must be a name or a mapping with name and args")
    return value, args


def from_yaml(data: dict[str, Any], base: str, path: str) -> tuple[ExperimentConfig, list[str]]:
    """Build a config from nni-annot's keys; paths are relative to the config file's folder."""
    warnings = [f"{path}: ignored: unknown key `{k}`" for k in data if k not in _KEYS]
    cfg = ExperimentConfig(source="nni-annot")
    script = _typed(data, "script", str, path)
    cfg.script = resolve_path(base, script, "script") if script else None
    args = data.get("args") or []
    cfg.args = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
    if data.get("command") is not None:
        cfg.command = split_command(data["command"], f"{path}: command")
    cfg.code_dir = resolve_path(base, data.get("code_dir") or ".", "code_dir")
    space = data.get("search_space")
    if isinstance(space, str):
        cfg.search_space_file = resolve_path(base, space, "search_space")
        cfg.search_space = load_search_space_file(cfg.search_space_file)
    elif isinstance(space, dict):
        cfg.search_space = space
    elif space is not None:
        raise ConfigError(f"{path}: `search_space` must be a file name or a mapping")
    cfg.use_annotation = _typed(data, "use_annotation", bool, path)
    cfg.tuner, cfg.tuner_args = _algorithm(data, "tuner", path)
    cfg.assessor, cfg.assessor_args = _algorithm(data, "assessor", path)
    cfg.optimize_mode = _typed(data, "optimize_mode", str, path) or cfg.optimize_mode
    if "max_trials" in data:
        cfg.max_trials = _typed(data, "max_trials", int, path)
    cfg.max_duration = parse_duration(data.get("max_duration"), "max_duration")
    cfg.concurrency = _typed(data, "concurrency", int, path) or 1
    cfg.seed = _typed(data, "seed", int, path)
    cfg.gpus_per_trial = _typed(data, "gpus_per_trial", int, path) or 0
    cfg.name = _typed(data, "name", str, path)
    grace = _typed(data, "kill_grace", (int, float), path)
    cfg.kill_grace = float(grace) if grace is not None else cfg.kill_grace
    cfg.backend = _typed(data, "backend", str, path) or cfg.backend
    warnings += _training_service(cfg, data, base, path)
    return cfg, warnings


def _training_service(cfg: ExperimentConfig, data: dict[str, Any], base: str, path: str) -> list[str]:
    """The dask settings: top-level keys, or NNI's ``trainingService: {platform: dask, ...}`` form."""
    keys: tuple[str, ...] = ("scheduler", "local_workers", "upload", "shared_fs", "retry_lost")
    top = {k: data[k] for k in keys if k in data}
    warnings = dask_service(cfg, top, base, path, where="")
    service = data.get("trainingService")
    if service is None:
        return warnings
    platform = service.get("platform") if isinstance(service, dict) else None
    if not isinstance(service, dict) or platform not in ("local", "dask"):
        raise ConfigError(
            f"{path}: `trainingService` must be {{platform: dask, scheduler: ...}} or {{platform: local}}"
        )
    if platform == "dask":
        cfg.backend = "dask"
        warnings += dask_service(cfg, service, base, path)
    return warnings

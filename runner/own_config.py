"""nni-annot's own YAML config: the CLI options of ``nni-annot run`` as keys (see docs/config.md).

A key that is not one of these is an error naming the nearest one; every problem is recorded at its place.
"""

from __future__ import annotations

import shlex
from typing import Any

from nniannot.errors import ConfigError
from nniannot.objectives import build, parse_constraint, parse_objective
from nniannot.runner.config_section import Section
from nniannot.runner.config_values import load_search_space_file, parse_duration, resolve_path, split_command
from nniannot.runner.config_yaml import YamlMap, plain
from nniannot.runner.custom.loading import absolute_reference, is_custom
from nniannot.runner.experiment_config import ExperimentConfig
from nniannot.runner.nni_config import dask_service, read_nas_mode

_DASK = ("scheduler", "local_workers", "upload", "shared_fs", "retry_lost")
KEYS = (
    "script", "args", "command", "code_dir", "search_space", "use_annotation", "tuner", "tuner_args",
    "assessor", "assessor_args", "optimize_mode", "max_trials", "max_duration", "max_trial_duration",
    "max_start_failures", "concurrency", "seed", "gpus_per_trial", "name", "kill_grace", "backend",
    "algorithm_timeout", "objectives", "constraints", "reference_point", "nas_mode", "retrain",
    "cold_start",
    *_DASK, "trainingService",
)  # fmt: skip


def from_yaml(top: Section, base: str) -> ExperimentConfig:
    """Build a config from nni-annot's keys; paths are relative to the config file's folder (``base``)."""
    top.check_keys(KEYS)
    cfg = ExperimentConfig(source="nni-annot")
    _trial(cfg, top, base)
    _search_space(cfg, top, base)
    cfg.use_annotation = top.typed("use_annotation", bool, "true or false")
    cfg.tuner, cfg.tuner_args = _algorithm(top, "tuner", base)
    cfg.assessor, cfg.assessor_args = _algorithm(top, "assessor", base)
    if top.get("algorithm_timeout") is not None:
        cfg.algorithm_timeout = top.seconds("algorithm_timeout", "algorithm_timeout") or cfg.algorithm_timeout
    cfg.optimize_mode = top.typed("optimize_mode", str, "maximize or minimize") or cfg.optimize_mode
    _objectives(cfg, top)
    _limits(cfg, top)
    cfg.seed = top.typed("seed", int, "a whole number")
    cfg.name = top.typed("name", str, "text")
    cfg.backend = top.typed("backend", str, "local or dask") or cfg.backend
    read_nas_mode(cfg, top, "nas_mode")
    cfg.retrain = top.int("retrain", "max_trials", 0) or 0
    cfg.cold_start = bool(top.typed("cold_start", bool, "true or false"))
    dask_service(cfg, top, base, whole=False)
    _training_service(cfg, top, base)
    return cfg


def _trial(cfg: ExperimentConfig, top: Section, base: str) -> None:
    script = top.typed("script", str, "a file name")
    cfg.script = top.attempt("script", resolve_path, base, script, "`script`") if script else None
    args = top.get("args") or []
    if isinstance(args, str):
        cfg.args = top.attempt("args", _split_args, args) or []
    elif isinstance(args, list) and all(isinstance(a, (str, int, float)) for a in args):
        cfg.args = [str(a) for a in args]
    else:
        top.fail("args", f"`args` must be a string or a list of words, but got {args!r}")
    if top.get("command") is not None:
        cfg.command = top.attempt("command", split_command, top.get("command"), "`command`") or []
    cfg.code_dir = top.attempt("code_dir", resolve_path, base, top.get("code_dir") or ".", "`code_dir`")


def _split_args(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError as exc:
        raise ConfigError(
            f"`args` must split like a shell command line, but {args!r} does not: {exc}"
        ) from None


def _search_space(cfg: ExperimentConfig, top: Section, base: str) -> None:
    space = top.get("search_space")
    if isinstance(space, str):
        cfg.search_space_file = top.attempt("search_space", resolve_path, base, space, "`search_space`")
        if cfg.search_space_file is not None:
            cfg.search_space = top.attempt("search_space", load_search_space_file, cfg.search_space_file)
    elif isinstance(space, dict):
        cfg.search_space = plain(space)
    elif space is not None:
        top.fail("search_space", f"`search_space` must be a file name or a mapping, but got {space!r}")


def _objectives(cfg: ExperimentConfig, top: Section) -> None:
    """``objectives:``, ``constraints:`` and ``reference_point:``, each checked at its own place."""
    lists = {}
    for key in ("objectives", "constraints", "reference_point"):
        value = top.get(key)
        if value is not None and not isinstance(value, list):
            top.fail(key, f"`{key}` must be a list, but got {value!r}")
            value = None
        lists[key] = plain(value) if value is not None else None
    objectives, constraints = lists["objectives"] or [], lists["constraints"] or []
    items_ok = _each(top, "objectives", parse_objective, "objective") & _each(
        top, "constraints", parse_constraint, "constraint"
    )
    parsed = top.attempt("objectives", build, objectives) if objectives and items_ok else None
    if lists["reference_point"] is not None and (parsed is not None or not objectives):
        top.attempt("reference_point", build, objectives, [], lists["reference_point"])
    cfg.objectives, cfg.constraints, cfg.reference_point = objectives, constraints, lists["reference_point"]


def _each(top: Section, key: str, parse: Any, what: str) -> bool:
    """Parse every item of list ``key``, each error at its item (a mapping item knows its place)."""
    ok = True
    items = top.get(key)
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            parse(plain(item), f"{what} {i + 1}")
        except ConfigError as exc:
            ok = False
            top.problems.error(item.at if isinstance(item, YamlMap) else top.value_place(key), str(exc))
    return ok


def _limits(cfg: ExperimentConfig, top: Section) -> None:
    if top.has("max_trials"):  # null: no limit
        cfg.max_trials = top.int("max_trials", "max_trials")
    cfg.max_duration = top.seconds("max_duration", "max_duration")
    cfg.max_trial_duration = top.seconds("max_trial_duration", "max_trial_duration")
    if top.has("max_start_failures"):  # 0 or null: off
        cfg.max_start_failures = _start_failures(top)
    cfg.concurrency = top.int("concurrency", "concurrency", 1) or cfg.concurrency
    cfg.gpus_per_trial = top.int("gpus_per_trial", "gpus_per_trial", 0) or 0
    if top.get("kill_grace") is not None:
        grace = top.attempt("kill_grace", parse_duration, top.get("kill_grace"), "`kill_grace`", "kill_grace")
        cfg.kill_grace = cfg.kill_grace if grace is None else grace


def _start_failures(top: Section) -> int | None:
    if top.get("max_start_failures") is None:
        return None
    return top.int("max_start_failures", "max_start_failures")  # 0: off


def _algorithm(top: Section, key: str, base: str) -> tuple[str | None, dict[str, Any]]:
    """``tuner: tpe`` or ``tuner: {name: tpe, args: {...}}``, plus ``tuner_args``; a custom class's
    ``path/file.py:Class`` is made absolute against the config file's folder."""
    name, args = _named_algorithm(top, key)
    return (absolute_reference(name, base) if name is not None and is_custom(name) else name), args


def _named_algorithm(top: Section, key: str) -> tuple[str | None, dict[str, Any]]:
    args = top.typed(f"{key}_args", dict, "a mapping of arguments") or {}
    value = top.get(key)
    section = top.section(key) if isinstance(value, dict) else None
    if section is not None:
        section.check_keys(("name", "args", "class_args", "classArgs"))
        extra = next((section.get(k) for k in ("args", "class_args", "classArgs") if section.has(k)), None)
        if extra is not None and not isinstance(extra, dict):
            section.fail("args", f"`{key}.args` must be a mapping of arguments, but got {extra!r}")
            extra = None
        name = section.typed("name", str, f"the name of a built-in {key}")
        section.require("name", f"`{key}` needs a `name`")
        return name, plain({**(extra or {}), **args})
    if value is not None and not isinstance(value, str):
        top.fail(key, f"`{key}` must be a name or a mapping with name and args, but got {value!r}")
        return None, plain(args)
    return value, plain(args)


def _training_service(cfg: ExperimentConfig, top: Section, base: str) -> None:
    """NNI's ``trainingService: {platform: dask, ...}`` form of the dask settings, or ``{platform: local}``."""
    service = top.section("trainingService")
    if service is None:
        return
    platform = service.get("platform")
    if platform == "dask":
        cfg.backend = "dask"
        dask_service(cfg, service, base)
    elif platform == "local":
        service.check_keys(("platform",))
    else:
        top.fail("trainingService", f"`trainingService` must be {{platform: dask, scheduler: ...}} or"
                                    f" {{platform: local}}, but got platform {platform!r}")  # fmt: skip

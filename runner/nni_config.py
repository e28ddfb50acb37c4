"""NNI experiment configs (v1 ``nnictl create`` YAML and v2) mapped onto :class:`ExperimentConfig`.

Both run unchanged: keys with a meaning here are honoured; NNI keys that only configured NNI's own services
pass quietly; NNI keys whose effect nni-annot does not have give a warning saying what happens instead; any
other key is an error that names the nearest known key. Every problem is recorded at its file:line:col.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from nniannot.errors import ConfigError
from nniannot.nas import MODES, normalize_mode
from nniannot.runner.config_section import Section
from nniannot.runner.config_values import load_search_space_file, resolve_path, split_command
from nniannot.runner.config_yaml import YamlMap, plain
from nniannot.runner.custom.loading import is_custom
from nniannot.runner.experiment_config import ExperimentConfig

_V1_MARKERS = {"authorName", "trainingServicePlatform", "maxTrialNum", "maxExecDuration", "searchSpacePath"}
_V2_MARKERS = {
    "trialCommand",
    "searchSpaceFile",
    "trainingService",
    "maxTrialNumber",
    "maxExperimentDuration",
}

# Keys that only configured NNI's own manager, logs or web UI: nothing to do here, nothing to warn about.
_QUIET = {"authorName", "description", "debug", "logLevel", "versionCheck", "logCollection", "multiThread",
          "nniManagerIp", "experimentType"}  # fmt: skip
_HOME = "results and logs go to nni-annot's home: --home, $NNIANNOT_HOME or ~/.nni-annot"
_HERE = "trials run on this machine; see docs/cluster.md for Dask"
_UNSUPPORTED = {
    "logDir": _HOME,
    "experimentWorkingDirectory": _HOME,
    "multiPhase": "each trial receives one set of parameters",
    "tunerGpuIndices": "the tuner runs on the CPU in nni-annot's own process",
    "sharedStorage": "trials use this machine's files",
}
_V1_PLATFORMS = ("remoteConfig", "machineList", "paiConfig", "paiYarnConfig", "kubeflowConfig",
                 "frameworkcontrollerConfig", "dlcConfig", "amlConfig", "hybridConfig", "nfs")  # fmt: skip
_GPU_CHOICE = {
    "gpuIndices": "trials may use every visible GPU; set CUDA_VISIBLE_DEVICES to choose them",
    "maxTrialNumPerGpu": "a GPU runs one trial at a time",
    "maxTrialNumberPerGpu": "a GPU runs one trial at a time",
}
_V1_CLUSTER_TRIAL = ("image", "cpuNum", "memoryMB", "shmMB", "virtualCluster", "nasMode", "authFile", "portList",
                     "paiConfigPath", "containerNFSMountPath", "nniManagerNFSMountPath", "paiStorageConfigName",
                     "worker", "ps", "master", "taskRoles")  # fmt: skip


def detect(data: dict[str, Any]) -> str:
    """``"v1"``, ``"v2"`` or ``"own"`` (nni-annot's format) for a parsed YAML mapping."""
    if "script" in data and "trialCommand" not in data:  # nni-annot's own, perhaps with a trainingService
        return "own"
    if _V1_MARKERS & data.keys() or (isinstance(data.get("trial"), dict) and "command" in data["trial"]):
        return "v1"
    if _V2_MARKERS & data.keys():
        return "v2"
    return "own"


def _algorithm(
    top: Section, key: str, name_key: str, custom: tuple[str, ...], base: str
) -> tuple[str | None, dict]:
    """(name, class args) of a tuner/assessor/advisor section. A custom class becomes ``/abs/file.py:Class``."""
    section = top.section(key)
    if section is None:
        return None, {}
    unsupported = {"gpuIndices": f"the {key} runs on the CPU in nni-annot's own process",
                   "gpuNum": f"the {key} runs on the CPU in nni-annot's own process"}  # fmt: skip
    if key == "tuner":
        unsupported["includeIntermediateResults"] = "tuners learn from final results only"
    section.check_keys((name_key, "classArgs", *custom), unsupported)
    args = section.typed("classArgs", dict, "a mapping of arguments") or {}
    given_custom = [k for k in custom if section.has(k)]
    if given_custom and section.has(name_key):
        section.fail(name_key, f"{section.name(name_key)}: give either a built-in {key} or a custom class"
                               f" ({', '.join(custom)}), not both")  # fmt: skip
        return None, plain(args)
    if given_custom:
        return _custom_class(section, key, custom, base), plain(args)
    name = section.typed(name_key, str, f"the name of a built-in {key}")
    if name is None:
        section.require(name_key, f"{top.name(key)} needs `{name_key}`")
    return name, plain(args)


def _custom_class(section: Section, key: str, custom: tuple[str, ...], base: str) -> str | None:
    """The ``file.py:Class`` reference of v1's codeDir/classFileName/className or v2's codeDirectory/className
    ("module.Class"); the folder defaults to the config file's. Missing keys and files are recorded at
    their place."""
    dir_key = custom[0] if custom[0] in ("codeDir", "codeDirectory") else "codeDirectory"
    class_name = section.typed("className", str, "a class name")
    code_dir = section.typed(dir_key, str, "a folder") or "."  # the config file's folder
    section.require("className", f"a custom {key} needs `className`")
    if class_name is None:
        return None
    folder = section.attempt(dir_key, resolve_path, base, code_dir, section.name(dir_key))
    if folder is None:
        return None
    if not os.path.isdir(folder):
        section.fail(dir_key, f"{section.name(dir_key)}: no such folder {folder}")
        return None
    if "classFileName" in custom:  # v1
        file_name = section.typed("classFileName", str, "a file name")
        section.require("classFileName", f"a custom {key} needs `classFileName`")
        if file_name is None:
            return None
        path, where = os.path.join(folder, file_name), "classFileName"
    else:  # v2: className is module.Class, the module inside codeDirectory
        module, _, class_name = class_name.rpartition(".")
        if not module:
            section.fail("className", f"{section.name('className')} must be module.ClassName (the module"
                                      f" in {dir_key}), but got {class_name!r}")  # fmt: skip
            return None
        path = os.path.join(folder, *module.split(".")) + ".py"
        package = os.path.join(folder, *module.split("."), "__init__.py")
        path, where = (package if not os.path.isfile(path) and os.path.isfile(package) else path), "className"
    if not os.path.isfile(path):
        section.fail(where, f"{section.name(where)}: no such file {path}")
        return None
    if not class_name.isidentifier():
        section.fail("className", f"{section.name('className')} must be a class name, but got {class_name!r}")
        return None
    return f"{os.path.normpath(path)}:{class_name}"


def _apply_algorithms(
    cfg: ExperimentConfig, top: Section, name_keys: tuple[str, str, str], custom: tuple, base: str
) -> None:
    tuner, tuner_args = _algorithm(top, "tuner", name_keys[0], custom, base)
    assessor, assessor_args = _algorithm(top, "assessor", name_keys[1], custom, base)
    advisor, advisor_args = _algorithm(top, "advisor", name_keys[2], custom, base)
    if advisor and not tuner:  # Hyperband/BOHB were "advisors" in NNI: a tuner here
        tuner, tuner_args = advisor, advisor_args
    for name, args in ((tuner, tuner_args), (assessor, assessor_args)):
        # NNI's own classes take optimize_mode as a class argument: a custom one keeps it
        mode = args.get("optimize_mode") if is_custom(name) else args.pop("optimize_mode", None)
        if mode is not None:
            cfg.optimize_mode = str(mode)
    cfg.tuner, cfg.tuner_args = tuner, tuner_args
    cfg.assessor, cfg.assessor_args = assessor, assessor_args


def _search_space_file(cfg: ExperimentConfig, top: Section, key: str, base: str) -> None:
    path = top.attempt(key, resolve_path, base, top.get(key), top.name(key))
    if path is not None:
        cfg.search_space_file = path
        cfg.search_space = top.attempt(key, load_search_space_file, path)


def _trial_command(cfg: ExperimentConfig, section: Section, key: str, base: str, dir_key: str) -> None:
    command = section.get(key)
    if command is not None:
        cfg.command = section.attempt(key, split_command, command, section.name(key)) or []
    cfg.code_dir = section.attempt(
        dir_key, resolve_path, base, section.get(dir_key, "."), section.name(dir_key)
    )


def _limits(cfg: ExperimentConfig, top: Section, keys: dict[str, str]) -> None:
    """Read the NNI keys of ``keys`` (our field -> NNI key) into ``cfg``, each through bounds.py."""
    cfg.concurrency = top.int(keys["concurrency"], "concurrency", 1) or cfg.concurrency
    cfg.max_trials = top.int(keys["max_trials"], "max_trials")
    cfg.max_duration = top.seconds(keys["max_duration"], "max_duration")
    if "max_trial_duration" in keys:
        cfg.max_trial_duration = top.seconds(keys["max_trial_duration"], "max_trial_duration")
    if "gpus_per_trial" in keys:
        cfg.gpus_per_trial = top.int(keys["gpus_per_trial"], "gpus_per_trial", 0) or 0


def read_nas_mode(cfg: ExperimentConfig, section: Section, key: str) -> None:
    """``nas_mode`` / NNI's ``nasMode``: classic, darts, enas or oneshot (NNI's ``_mode`` suffix accepted)."""
    text = section.typed(key, str, "classic, darts, enas or oneshot")
    if text is None:
        return
    mode = normalize_mode(text)
    if mode is None:
        section.fail(key, f"{section.name(key)} must be one of {', '.join(MODES)} (or NNI's "
                          f"classic_mode, darts_mode, ...), but got {text!r}")  # fmt: skip
    else:
        cfg.nas_mode = mode


def _common(cfg: ExperimentConfig, top: Section) -> None:
    cfg.name = top.typed("experimentName", str, "text")
    cfg.use_annotation = bool(top.typed("useAnnotation", bool, "true or false"))


_V1_KEYS = ("experimentName", "trialConcurrency", "maxExecDuration", "maxTrialNum", "trainingServicePlatform",
            "searchSpacePath", "useAnnotation", "tuner", "assessor", "advisor", "trial", "localConfig")  # fmt: skip


def from_v1(top: Section, base: str) -> ExperimentConfig:
    """Map an NNI v1 config (``nnictl create --config``); problems are recorded in ``top.problems``.

    NNI v1 had no per-trial time limit, so ``max_trial_duration`` stays None.
    """
    cfg = ExperimentConfig(source="nni-v1", max_trials=None)
    top.check_keys(_V1_KEYS, {**_UNSUPPORTED, **dict.fromkeys(_V1_PLATFORMS, _HERE)}, _QUIET)
    platform = top.get("trainingServicePlatform")
    if platform not in (None, "local"):
        top.warn("trainingServicePlatform", f"ignored: `trainingServicePlatform: {platform}` ({_HERE})")
    _common(cfg, top)
    _limits(cfg, top, {"concurrency": "trialConcurrency", "max_trials": "maxTrialNum",
                       "max_duration": "maxExecDuration"})  # fmt: skip
    if top.get("searchSpacePath") is not None:
        _search_space_file(cfg, top, "searchSpacePath", base)
    _apply_algorithms(cfg, top, ("builtinTunerName", "builtinAssessorName", "builtinAdvisorName"),
                      ("codeDir", "classFileName", "className"), base)  # fmt: skip
    _v1_trial(cfg, top, base)
    local = top.section("localConfig")
    if local is not None:
        local.check_keys((), _GPU_CHOICE, ("useActiveGpu",))
    return cfg


def _v1_trial(cfg: ExperimentConfig, top: Section, base: str) -> None:
    trial = top.section("trial")
    if trial is None:
        top.require("trial", "an NNI v1 config needs `trial.command`")
        return
    trial.check_keys(("command", "codeDir", "gpuNum", "nasMode"),
                     dict.fromkeys(_V1_CLUSTER_TRIAL, "a cluster platform's setting; trials run here"))  # fmt: skip
    trial.require("command", "an NNI v1 config needs `trial.command`")
    _trial_command(cfg, trial, "command", base, "codeDir")
    cfg.gpus_per_trial = trial.int("gpuNum", "gpus_per_trial", 0) or 0
    read_nas_mode(cfg, trial, "nasMode")


_V2_KEYS = ("experimentName", "searchSpaceFile", "searchSpace", "trialCommand", "trialCodeDirectory",
            "trialConcurrency", "trialGpuNumber", "maxExperimentDuration", "maxTrialDuration", "maxTrialNumber",
            "useAnnotation", "tuner", "assessor", "advisor", "trainingService", "nasMode")  # fmt: skip


def from_v2(top: Section, base: str) -> ExperimentConfig:
    """Map an NNI v2 config (``trialCommand``, ``searchSpaceFile`` or inline ``searchSpace``, ...)."""
    cfg = ExperimentConfig(source="nni-v2", max_trials=None)
    top.check_keys(_V2_KEYS, _UNSUPPORTED, _QUIET)
    _v2_training_service(cfg, top, base)
    _common(cfg, top)
    read_nas_mode(cfg, top, "nasMode")  # NNI v1 had it under `trial`; v2's trial keys are at the top
    _limits(cfg, top, {"concurrency": "trialConcurrency", "max_trials": "maxTrialNumber",
                       "max_duration": "maxExperimentDuration", "max_trial_duration": "maxTrialDuration",
                       "gpus_per_trial": "trialGpuNumber"})  # fmt: skip
    if top.get("searchSpaceFile") is not None:
        _search_space_file(cfg, top, "searchSpaceFile", base)
    elif top.get("searchSpace") is not None:
        inline = top.typed("searchSpace", dict, "a mapping of parameters")
        cfg.search_space = plain(inline) if inline is not None else None
    _apply_algorithms(cfg, top, ("name", "name", "name"), ("codeDirectory", "className"), base)
    top.require("trialCommand", "an NNI v2 config needs `trialCommand`")
    _trial_command(cfg, top, "trialCommand", base, "trialCodeDirectory")
    return cfg


def _v2_training_service(cfg: ExperimentConfig, top: Section, base: str) -> None:
    value = top.get("trainingService")
    services = value if isinstance(value, list) else [value] if value is not None else []
    for service in services:
        if not isinstance(service, YamlMap):
            top.fail(
                "trainingService", f"`trainingService` must be a mapping with a platform, but got {service!r}"
            )
            continue
        section = Section(service, top.problems, "trainingService.")
        platform = service.get("platform")
        if platform == "dask":
            cfg.backend = "dask"
            dask_service(cfg, section, base)
        elif platform in (None, "local"):
            section.check_keys(("platform",), _GPU_CHOICE, ("useActiveGpu", "reuseMode"))
        else:
            section.warn("platform", f"ignored: `trainingService.platform: {platform}` ({_HERE})")


_DASK_KEYS = {"scheduler": "scheduler", "localWorkers": "local_workers", "local_workers": "local_workers",
              "upload": "upload", "sharedFs": "shared_fs", "shared_fs": "shared_fs", "retryLost": "retry_lost",
              "retry_lost": "retry_lost"}  # fmt: skip


def dask_service(cfg: ExperimentConfig, section: Section, base: str, whole: bool = True) -> None:
    """Apply the dask settings of ``trainingService: {platform: dask, scheduler: ..., local_workers: ...,
    upload: [...], shared_fs: ..., retry_lost: ...}`` (camelCase too); unknown keys are errors.

    Choosing the dask backend is the caller's business. ``whole``: the section holds only these keys and
    ``platform``, so any other key is reported here."""
    if whole:
        section.check_keys((*_DASK_KEYS, "platform"))
    for key, attr in _DASK_KEYS.items():
        if section.get(key) is None:
            continue
        if attr == "upload":
            items = section.get(key) if isinstance(section.get(key), list) else [section.get(key)]
            cfg.upload += [p for p in (section.attempt(key, resolve_path, base, i, section.name(key)) for i in items)
                           if p is not None]  # fmt: skip
        elif attr == "local_workers":
            cfg.local_workers = section.int(key, "concurrency")
        elif attr == "scheduler":
            cfg.scheduler = section.typed(key, str, "an address such as tcp://host:8786")
        else:
            setattr(cfg, attr, bool(section.typed(key, bool, "true or false")))


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

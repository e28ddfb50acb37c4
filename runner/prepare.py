"""From a configuration to what every trial runs: the code snapshot, command, working directory, environment.

A trial that runs a Python script (``nni-annot run train.py``, or an NNI config's ``python train.py ...``)
runs it from a code snapshot (:mod:`nniannot.snapshot`) taken here, once: the script and the project
modules it imports, as read now, with the rewritten code of the annotated ones (unless the configuration
turns annotations off). Its search space comes from the annotations, or from the configuration when the
annotations define none (a script that only reports). Any other command (``bash run.sh``) runs as written.
A bare ``python``/``python3`` is replaced by the interpreter nni-annot runs in, so trials see the same
packages.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from nniannot.errors import ConfigError, NniAnnotError
from nniannot.launch import launch_command, parse_argv
from nniannot.runner.backends.preload import tree_imports
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.home import Home
from nniannot.runner.nni_config import script_of
from nniannot.runner.shim import nni_environment
from nniannot.searchspace import SearchSpace
from nniannot.snapshot import Snapshot, write_snapshot
from nniannot.transformer.project import Project, collect

_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")


def is_python(token: str) -> bool:
    """True for ``python``, ``python3``, ``python3.11`` (any path): the interpreter nni-annot replaces."""
    return bool(_PYTHON.match(os.path.basename(token)))


@dataclass
class TrialLaunch:
    """How every trial of an experiment starts; ``notes`` are lines worth showing (which nni, warnings).

    ``snapshot`` is the folder of the code snapshot the trials run (None for a command that is not a Python
    script). ``fingerprint`` changes iff the rewritten code or the search space does (comments do not count);
    it is worked out only when asked for (``watch`` compares it; on a huge script it costs a parse's time).
    ``files`` are the trial's own source files as found (entry first).
    """

    command: list[str]
    cwd: str
    env: dict[str, str]
    search_space: dict[str, Any]
    annotated: bool
    notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    files: list[str] = field(default_factory=list)
    snapshot: str | None = None
    architecture: dict[str, Any] = field(default_factory=dict)  # mutable layers' wiring, for the viewer

    @cached_property
    def parsed_space(self) -> SearchSpace:
        """The search space parsed once (SearchSpaceError naming the bad key); tuners share it."""
        return SearchSpace.from_json(self.search_space)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command, "cwd": self.cwd, "env": self.env, "annotated": self.annotated,
            "snapshot": self.snapshot,
        }  # fmt: skip


@dataclass
class _Trial:
    """The script a configuration runs, its arguments, and whether its annotations are rewritten."""

    script: str | None
    args: list[str]
    rewrite: bool


def _trial_of(cfg: ExperimentConfig) -> _Trial:
    if cfg.script:
        return _Trial(os.path.abspath(cfg.script), list(cfg.args), cfg.use_annotation is not False)
    if cfg.use_annotation:
        script, args = script_of(cfg.command, cfg.code_dir, is_python)
        return _Trial(os.path.abspath(script), args, True)
    command = cfg.command
    if len(command) >= 2 and is_python(command[0]) and command[1].endswith(".py"):
        script = os.path.abspath(os.path.join(cfg.code_dir or ".", command[1]))
        if os.path.isfile(script):
            return _Trial(script, command[2:], False)
    return _Trial(None, [], False)


def prepare_launch(
    cfg: ExperimentConfig, require_space: bool = True, snapshots: str | None = None, fingerprint: bool = False
) -> TrialLaunch:
    """Take the code snapshot (below the folder ``snapshots``) and work out the trials' command and space.

    ``snapshots`` defaults to the snapshot folder of the home ``$NNIANNOT_HOME`` (or ``~/.nni-annot``).
    With ``require_space`` False a script without a search space is accepted (one-off trials). With
    ``fingerprint`` the launch carries the code's fingerprint.
    Raises ConfigError, AnnotationError or SearchSpaceError if the configuration cannot run.
    """
    for what, folder in (("code directory", cfg.code_dir), ("working directory", cfg.workdir)):
        if folder and not os.path.isdir(folder):
            raise ConfigError(
                f"the trials' {what} {os.path.abspath(folder)} does not exist or is not a folder "
                "(codeDir or trialCodeDirectory in an NNI config, code_dir or workdir in ours)"
            )
    trial = _trial_of(cfg)
    if trial.script is not None and not os.path.isfile(trial.script):
        raise ConfigError(f"no such script: {trial.script}")
    if trial.script is None:
        code_dir = os.path.abspath(cfg.code_dir or os.getcwd())
        command = _plain_command(cfg)
        return _finish(cfg, code_dir, command, _space(cfg, None, require_space), None, None, [], fingerprint)
    code_dir = os.path.abspath(cfg.code_dir or os.path.dirname(trial.script))
    project = collect(trial.script, code_dir, strict=trial.rewrite)
    notes: list[str] = []
    if project.search_space and trial.rewrite:
        space: dict[str, Any] = dict(project.search_space)
        notes += [d.format() for d in project.diagnostics]
        if cfg.search_space:
            notes.append("the search space given is ignored: the script's annotations define it")
    else:
        if cfg.use_annotation and not project.has_annotations:
            raise ConfigError(f"useAnnotation is on but {trial.script} has no @nni annotations")
        space = _space(cfg, project if trial.rewrite else None, require_space)
    folder = write_snapshot(
        snapshots or Home.resolve().snapshots_dir,
        code_dir,
        trial.script,
        _snapshot_files(project, trial.rewrite),
        {str(path): tree_imports(r.tree) for path, r in project.results.items() if r.tree is not None},
    )
    command = launch_command(sys.executable, folder, code_dir, trial.script, trial.args)
    rewritten = project if trial.rewrite else None
    return _finish(cfg, code_dir, command, space, rewritten, folder, notes, fingerprint)


def _snapshot_files(project: Project, rewrite: bool) -> list[tuple[str, bytes, bytes | None]]:
    out = []
    for path in project.files:
        result = project.results[path]
        code = result.code.encode("utf-8") if rewrite and result.has_annotations else None
        out.append((str(path), project.sources[path], code))
    return out


def _space(cfg: ExperimentConfig, project: Project | None, require_space: bool) -> dict[str, Any]:
    """The configuration's search space, required unless ``require_space`` is False."""
    if cfg.search_space or not require_space:
        return dict(cfg.search_space or {})
    what = cfg.script or " ".join(cfg.command)
    if project is not None and project.has_annotations:
        raise ConfigError(
            f"{what} has @nni annotations that report results or read parameters, but none that define a "
            "search space (@nni.variable, @nni.function_choice, @nni.mutable_layers): give --search-space FILE "
            "(NNI's JSON format), or annotate the values to tune"
        )
    raise ConfigError(
        f"{what} has no @nni annotations, so a search space is needed: give --search-space FILE "
        "(NNI's JSON format) or annotate the script"
    )


def _plain_command(cfg: ExperimentConfig) -> list[str]:
    base = cfg.command
    return [sys.executable if i == 0 and is_python(tok) else tok for i, tok in enumerate(base)]


def _finish(
    cfg: ExperimentConfig, code_dir: str, command: list[str], space: dict[str, Any], project: Project | None,
    snapshot: str | None, notes: list[str], fingerprint: bool,
) -> TrialLaunch:  # fmt: skip
    if snapshot is None:
        notes.append(
            "note: the trial command is not `python script.py`, so its code is not snapshotted: "
            "files edited during the experiment reach later trials"
        )
    cwd = os.path.abspath(cfg.workdir or code_dir)
    env, which = _environment(command)
    launch = TrialLaunch(
        command, cwd, env, space, project is not None and bool(project.search_space), [which, *notes],
        project.fingerprint if project is not None and fingerprint else None,
        [str(p) for p in project.files] if project is not None else [], snapshot,
        {k: v for r in project.results.values() for k, v in r.architecture.items()} if project is not None else {},
    )  # fmt: skip
    if space:
        launch.parsed_space  # noqa: B018 - parse now: a bad key fails before anything is recorded
    return launch


def _environment(command: list[str]) -> tuple[dict[str, str], str]:
    python = command[0] if is_python(command[0]) or command[0] == sys.executable else sys.executable
    return nni_environment(python)


def recorded_launch(config: dict[str, Any], search_space: dict[str, Any]) -> TrialLaunch:
    """The launch an experiment recorded (``config["launch"]``), for ``resume`` and ``rerun-failed``.

    The trials run the recorded snapshot and command, never the files as they are now. Raises
    ConfigError if the record has no snapshot or it is missing.
    """
    launch = config.get("launch") or {}
    folder = launch.get("snapshot")
    command = launch.get("command") or []
    if folder is None and parse_argv(command) is None and "nniannot.launch" in command:
        raise ConfigError("it was recorded by an older nni-annot without a code snapshot; run it anew")
    if folder is not None:
        try:
            Snapshot.load(folder)
        except NniAnnotError as exc:
            raise ConfigError(f"its code snapshot is gone: {exc}") from None
    env, which = _environment(command)
    return TrialLaunch(
        list(command), launch.get("cwd") or os.getcwd(), env, search_space, bool(launch.get("annotated")),
        [which], None, [], folder,
    )  # fmt: skip

"""From a configuration to what every trial runs: command, working directory, environment, search space.

An annotated script is prepared by the transformer (its search space comes from the annotations and the
command starts nni-annot's launcher); a plain-API script, or an NNI config without ``useAnnotation``, runs
as written with an explicit search space. A bare ``python``/``python3`` in a command is replaced by the
interpreter nni-annot runs in, so trials see the same packages.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.nni_config import script_of
from nniannot.runner.shim import nni_environment
from nniannot.searchspace import SearchSpace

_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")


def is_python(token: str) -> bool:
    """True for ``python``, ``python3``, ``python3.11`` (any path): the interpreter nni-annot replaces."""
    return bool(_PYTHON.match(os.path.basename(token)))


@dataclass
class TrialLaunch:
    """How every trial of an experiment starts; ``notes`` are lines worth showing (which nni, warnings)."""

    command: list[str]
    cwd: str
    env: dict[str, str]
    search_space: dict[str, Any]
    annotated: bool
    notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    files: list[str] = field(default_factory=list)  # the trial's own source files (entry, project modules)

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "cwd": self.cwd, "env": self.env, "annotated": self.annotated}


def _prepare_annotated(script: str, code_dir: str) -> Any | None:
    """The transformer's prepared trial, or None if the transformer is not available."""
    try:
        from nniannot.transformer import prepare_trial  # type: ignore[attr-defined]
    except ImportError:
        return None
    return prepare_trial(script, code_dir=code_dir)


def _script_and_args(cfg: ExperimentConfig) -> tuple[str | None, list[str]]:
    if cfg.script:
        return os.path.abspath(cfg.script), list(cfg.args)
    if cfg.use_annotation:
        return script_of(cfg.command, cfg.code_dir, is_python)
    return None, []


def prepare_launch(cfg: ExperimentConfig, require_space: bool = True) -> TrialLaunch:
    """Work out the trial command and search space for ``cfg``; ConfigError/AnnotationError if impossible.

    With ``require_space`` False a plain script without a search space is accepted (one-off trials).
    """
    script, args = _script_and_args(cfg)
    if script is not None and not os.path.isfile(script):
        raise ConfigError(f"no such script: {script}")
    code_dir = os.path.abspath(cfg.code_dir or (os.path.dirname(script) if script else os.getcwd()))
    cwd = os.path.abspath(cfg.workdir or code_dir)
    notes: list[str] = []
    prepared = None
    if script is not None and cfg.use_annotation is not False:
        prepared = _prepare_annotated(script, code_dir)
        if prepared is None and cfg.use_annotation:
            raise ConfigError(
                "this nni-annot cannot transform annotated scripts (the transformer is missing)"
            )
    space: dict[str, Any] | None = dict(prepared.search_space) if prepared is not None else None
    if space and prepared is not None:
        notes += [d.format() for d in prepared.diagnostics]
        if cfg.search_space:
            notes.append("the search space given is ignored: the script's annotations define it")
        command = [*prepared.command, *args]
    else:
        if cfg.use_annotation and script is not None:
            raise ConfigError(f"useAnnotation is on but {script} has no @nni annotations")
        if not cfg.search_space and require_space:
            what = script or " ".join(cfg.command)
            raise ConfigError(
                f"{what} has no @nni annotations, so a search space is needed: give --search-space FILE "
                "(NNI's JSON format) or annotate the script"
            )
        space = dict(cfg.search_space or {})
        base = cfg.command if script is None or not cfg.script else ["python", script, *args]
        command = [sys.executable if i == 0 and is_python(tok) else tok for i, tok in enumerate(base)]
    if space:
        SearchSpace.from_json(space)  # raises SearchSpaceError naming the bad key
    python = command[0] if is_python(command[0]) or command[0] == sys.executable else sys.executable
    env, which = nni_environment(python)
    return TrialLaunch(
        command, cwd, env, space, prepared is not None and bool(prepared.search_space), [which, *notes],
        getattr(prepared, "fingerprint", None), [str(p) for p in getattr(prepared, "files", [])],
    )  # fmt: skip

"""A revision: what the trial is after a change, whether it differs from before, and its experiment.

:func:`prepare` re-reads the configuration and re-transforms the trial (raising the located errors a user
must fix); :attr:`Candidate.key` changes iff anything a trial would run changes, so a change of comments or
layout gives the same key. :func:`record` stores a candidate as a new experiment linked to the previous
revision's (same name, ``revision`` number, ``parent_id``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nniannot.launch import parse_argv
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.home import Home
from nniannot.runner.prepare import TrialLaunch, prepare_launch
from nniannot.runner.run import Session, create_experiment

DIFF_VALUE_WIDTH = 60


@dataclass
class Candidate:
    """A configuration whose trial transformed without error: what a new revision would run."""

    config: ExperimentConfig
    launch: TrialLaunch
    key: str
    files: list[str]  # what to watch: the trial's sources, the config and search-space files

    @property
    def search_space(self) -> dict[str, Any]:
        return self.launch.search_space


def revision_key(cfg: ExperimentConfig, launch: TrialLaunch) -> str:
    """Equal for two preparations iff their trials would run the same code, space and configuration."""
    parsed = parse_argv(launch.command)
    what = {
        "fingerprint": launch.fingerprint,
        "space": launch.search_space,
        # the snapshot folder changes with comments too; the fingerprint or the sources decide instead
        "command": [parsed.script, *parsed.args] if parsed is not None else launch.command,
        "cwd": launch.cwd,
        "config": cfg.to_json(),
    }
    if launch.fingerprint is None:  # no transformer fingerprint: the file contents decide
        what["sources"] = [_digest(path) for path in launch.files or [cfg.script or ""]]
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def _digest(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return ""


def prepare(
    make_config: Callable[[], ExperimentConfig], home: Home, extra_files: Iterable[str] = ()
) -> Candidate:
    """Build the configuration, transform the trial and take its code snapshot (in ``home``) as a run would.

    The candidate's snapshot is what its revision runs if it is recorded: the files are read once.

    Raises:
        AnnotationError: located errors in the trial's files.
        NniAnnotError: any other reason the configuration cannot run (ConfigError, SearchSpaceError, ...).
    """
    cfg = make_config()
    cfg.check()
    launch = prepare_launch(cfg, snapshots=home.snapshots_dir, fingerprint=True)
    files = [*launch.files, *extra_files]
    if cfg.script and not launch.files:
        files.append(cfg.script)
    if cfg.search_space_file:
        files.append(cfg.search_space_file)
    unique = list(dict.fromkeys(os.path.abspath(f) for f in files))
    return Candidate(cfg, launch, revision_key(cfg, launch), unique)


def record(candidate: Candidate, home: Home, number: int, parent_id: str | None) -> Session:
    """Store the candidate as experiment revision ``number`` (status CREATED), linked to ``parent_id``."""
    session = create_experiment(candidate.config, home, candidate.launch)
    session.store.update_experiment(session.exp_id, revision=number, parent_id=parent_id)
    session.experiment = session.store.get_experiment(session.exp_id)
    return session


def _shown(spec: Any) -> str:
    if isinstance(spec, dict) and "_type" in spec:
        values = spec.get("_value")
        inner = ", ".join(json.dumps(v) for v in values) if isinstance(values, list) else json.dumps(values)
        text = f"{spec['_type']}({inner})"
    else:
        text = json.dumps(spec)
    return text if len(text) <= DIFF_VALUE_WIDTH else text[: DIFF_VALUE_WIDTH - 3] + "..."


def space_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One line per changed key: ``+ key: spec`` (added), ``- key: spec`` (gone), ``~ key: old -> new``."""
    lines = []
    for key in [*new, *(k for k in old if k not in new)]:
        if key not in old:
            lines.append(f"+ {key}: {_shown(new[key])}")
        elif key not in new:
            lines.append(f"- {key}: {_shown(old[key])}")
        elif old[key] != new[key]:
            lines.append(f"~ {key}: {_shown(old[key])} -> {_shown(new[key])}")
    return lines

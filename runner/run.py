"""Starting, resuming and re-running experiments: configuration + store + backend + loop.

The CLI calls :func:`create_experiment` (so it can print the id before anything runs), then
:func:`run_experiment`; ``resume`` and ``rerun-failed`` go through :func:`reopen_experiment`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nniannot import nas
from nniannot.errors import ConfigError, TunerError
from nniannot.protocol import ENV_OBJECTIVES
from nniannot.runner.assessors import Assessor, make_assessor
from nniannot.runner.backends.base import Backend, TrialSpec
from nniannot.runner.backends.local import LocalBackend
from nniannot.runner.config import ExperimentConfig, default_tuner
from nniannot.runner.custom import (
    check_custom_assessor,
    check_custom_tuner,
    is_custom,
    make_custom_assessor,
    make_custom_tuner,
)
from nniannot.runner.experiment import ExperimentLoop, Limits
from nniannot.runner.home import Home
from nniannot.runner.listener import Listener
from nniannot.runner.prepare import TrialLaunch, prepare_launch, recorded_launch
from nniannot.runner.store import Experiment, Store, Trial, open_store
from nniannot.runner.tuners import Tuner, make_tuner
from nniannot.searchspace import SearchSpace


@dataclass
class Session:
    """An experiment ready to run: its record, configuration and how its trials start."""

    home: Home
    store: Store
    experiment: Experiment
    config: ExperimentConfig
    launch: TrialLaunch

    @property
    def exp_id(self) -> str:
        return self.experiment.id


def create_experiment(cfg: ExperimentConfig, home: Home, launch: TrialLaunch | None = None) -> Session:
    """Check ``cfg``, take the code snapshot and record a new experiment (status CREATED).

    ``launch`` is a preparation already made for ``cfg`` (watch mode prepares before it decides to record).
    """
    cfg.check()
    declared = cfg.objective_set()
    cfg.tuner = cfg.tuner or default_tuner(multi=declared is not None and declared.multi)
    launch = launch or prepare_launch(cfg, snapshots=home.snapshots_dir)
    _check_algorithms(cfg, launch.parsed_space)
    store = open_store(home.store_path)
    name = cfg.name or os.path.basename(
        cfg.script or next((t for t in cfg.command if t.endswith(".py")), "trial")
    )
    exp = store.create_experiment(
        name=name, config=_config_json(cfg, launch), search_space=launch.search_space,
        command=launch.command, code_dir=cfg.code_dir, optimize_mode=cfg.optimize_mode, tuner=cfg.tuner,
        assessor=cfg.assessor, max_trials=cfg.max_trials, max_duration=cfg.max_duration,
        concurrency=cfg.concurrency,
    )  # fmt: skip
    return Session(home, store, exp, cfg, launch)


def _config_json(cfg: ExperimentConfig, launch: TrialLaunch) -> dict[str, Any]:
    """The configuration kept with the experiment; ``architecture`` records the mutable layers' outputs and
    inputs (which NNI's search-space format leaves out) for the viewer's architecture graph."""
    out = {**cfg.to_json(), "launch": launch.to_json()}
    if launch.architecture:
        out["architecture"] = launch.architecture
    return out


def _check_algorithms(cfg: ExperimentConfig, space: SearchSpace) -> None:
    """Build the tuner and assessor once so that a wrong name or argument fails before anything runs.

    A custom class is loaded and its class arguments checked, but it is built only when the run starts."""
    name = cfg.tuner or default_tuner()
    if is_custom(name):
        check_custom_tuner(name, cfg.tuner_args, cfg.code_dir)
    else:
        tuner = make_tuner(name, space, optimize_mode=cfg.optimize_mode, seed=cfg.seed, **cfg.tuner_args)
        declared = cfg.objective_set()
        if declared is not None:  # a tuner that cannot take them says so now, not when the run starts
            tuner.set_objectives(len(declared.objectives))
    if cfg.assessor and is_custom(cfg.assessor):
        check_custom_assessor(cfg.assessor, cfg.assessor_args, cfg.code_dir)
    elif cfg.assessor:
        make_assessor(cfg.assessor, optimize_mode=cfg.optimize_mode, **cfg.assessor_args)


def algorithms(
    cfg: ExperimentConfig, space: SearchSpace, context: dict[str, Any] | None = None
) -> tuple[Tuner, Assessor | None]:
    """The configuration's tuner and assessor: built-ins by name, custom classes by ``source:Class``.

    ``context`` is what a built-in tuner may be told about the experiment (see :func:`make_tuner`).

    An advisor (NNI's kind of custom class that is both) is the tuner, and its metrics part the assessor.
    """
    name = cfg.tuner or default_tuner()
    if is_custom(name):
        tuner = make_custom_tuner(
            name, space, optimize_mode=cfg.optimize_mode, seed=cfg.seed, class_args=cfg.tuner_args,
            code_dir=cfg.code_dir, timeout=cfg.algorithm_timeout, concurrency=cfg.concurrency,
        )  # fmt: skip
    else:
        tuner = make_tuner(
            name, space, optimize_mode=cfg.optimize_mode, seed=cfg.seed, context=context, **cfg.tuner_args
        )
    advised = getattr(tuner, "assessor_part", None)
    if advised is not None and cfg.assessor:
        raise TunerError(f"an advisor ({name}) assesses trials itself: it takes no assessor ({cfg.assessor})")
    if not cfg.assessor:
        return tuner, advised
    if is_custom(cfg.assessor):
        assessor = make_custom_assessor(
            cfg.assessor, optimize_mode=cfg.optimize_mode, class_args=cfg.assessor_args, code_dir=cfg.code_dir,
            timeout=cfg.algorithm_timeout,
        )  # fmt: skip
    else:
        assessor = make_assessor(cfg.assessor, optimize_mode=cfg.optimize_mode, **cfg.assessor_args)
    return tuner, assessor


def reopen_experiment(ref: str, home: Home) -> Session:
    """The stored experiment ``ref`` (id, prefix or ``latest``) with its configuration, ready to run again."""
    store = open_store(home.store_path)
    exp = store.get_experiment(store.resolve(ref))
    fields = {f.name for f in dataclasses.fields(ExperimentConfig)}
    stored = {k: v for k, v in exp.config.items() if k in fields}
    cfg = ExperimentConfig(**stored)
    cfg.max_trials, cfg.max_duration, cfg.concurrency = exp.max_trials, exp.max_duration, exp.concurrency
    try:
        launch = recorded_launch(exp.config, exp.search_space)
    except ConfigError as exc:
        raise ConfigError(f"cannot run experiment {exp.id} again: {exc}") from None
    return Session(home, store, exp, cfg, launch)


def attempt_dir(trials_dir: str, trial: Trial) -> str:
    """Where an attempt of ``trial`` runs: ``<trials_dir>/<id>`` the first time, ``<id>-attempt<n>`` after.

    Each attempt has its own parameter.cfg, .nni/metrics, stdout and stderr, so nothing an interrupted
    attempt wrote (or still writes) is read as the new attempt's.
    """
    name = trial.id if trial.attempt <= 1 else f"{trial.id}-attempt{trial.attempt}"
    return os.path.join(trials_dir, name)


def spec_maker(session: Session) -> Callable[[Trial], TrialSpec]:
    """What the loop's ``make_spec`` needs: a stored trial (at its current attempt) -> what the backend runs."""
    trials_dir = session.home.trials_dir(session.exp_id)
    launch, cfg = session.launch, session.config
    env = dict(launch.env)
    declared = cfg.objective_set()
    if declared is not None:  # a dict result then needs the objectives' keys, not 'default'
        env[ENV_OBJECTIVES] = ",".join(declared.keys)

    def make(trial: Trial) -> TrialSpec:
        return TrialSpec(
            session.exp_id, trial.id, trial.seq, list(launch.command), launch.cwd,
            attempt_dir(trials_dir, trial), dict(trial.params), {**env, **nas_env(cfg, trial)},
            cfg.gpus_per_trial,
        )  # fmt: skip

    return make


RETRAIN_SEED_STRIDE = 1000


def nas_env(cfg: ExperimentConfig, trial: Trial) -> dict[str, str]:
    """A one-shot trial's mode (and the experiment's seed); a retraining trial's own seed.

    Retraining trial k (1..N) gets ``1000 * |S| + k`` under ``--seed S``, else ``k``: the N trials differ
    from each other, and the retraining of a search run with another seed trains with other seeds.
    """
    env = {} if cfg.nas_mode == "classic" else {nas.ENV_MODE: cfg.nas_mode}
    if env and cfg.seed is not None:
        env[nas.ENV_SEED] = str(cfg.seed)
    if cfg.retrain_of:
        env[nas.ENV_SEED] = str(RETRAIN_SEED_STRIDE * abs(cfg.seed or 0) + trial.seq + 1)
    return env


def limits_of(cfg: ExperimentConfig) -> Limits:
    """The loop's limits from a configuration."""
    return Limits(
        max_trials=cfg.max_trials,
        max_duration=cfg.max_duration,
        concurrency=cfg.concurrency,
        max_start_failures=cfg.max_start_failures,
        max_trial_duration=cfg.max_trial_duration,
        stop_wait=max(60.0, 2 * float(cfg.kill_grace) + 30.0),
    )


def make_backend(session: Session) -> Backend:
    """The backend the configuration asks for: local processes, or a Dask cluster (imported only then)."""
    cfg = session.config
    if cfg.backend == "dask":
        from nniannot.runner.backends.dask import backend_for

        return backend_for(cfg, session.launch)
    launch = session.launch
    return LocalBackend(
        kill_grace=cfg.kill_grace,
        warm_start=not cfg.cold_start,
        preload=(list(launch.command), dict(launch.env)),
    )


def run_experiment(
    session: Session,
    listener: Listener | None = None,
    backend: Backend | None = None,
    on_loop: Callable[[ExperimentLoop], None] | None = None,
) -> str:
    """Run the experiment until it ends; returns its final status. ``on_loop`` sees the loop first (to
    install signal handlers that call ``request_stop``)."""
    cfg = session.config
    tuner, assessor = algorithms(
        cfg, session.launch.parsed_space, {"experiment_dir": session.home.experiment_dir(session.exp_id)}
    )
    limits = limits_of(cfg)
    with backend or make_backend(session) as active:
        loop = ExperimentLoop(
            session.store, session.exp_id, tuner=tuner, backend=active, make_spec=spec_maker(session),
            limits=limits, assessor=assessor, listener=listener, revision=session.experiment.revision,
            objectives=cfg.objective_set(),
        )  # fmt: skip
        if on_loop is not None:
            on_loop(loop)
        return loop.run()

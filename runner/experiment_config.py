"""The experiment configuration the runner uses, whatever it came from (CLI options, nni-annot's YAML, an
NNI config), and its validation.

:meth:`ExperimentConfig.check` checks every limit through :mod:`nniannot.runner.bounds` and reports all
problems in one :class:`~nniannot.errors.ConfigError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from nniannot.errors import ConfigError
from nniannot.nas import MODES, normalize_mode
from nniannot.objectives import Objectives, build
from nniannot.runner.bounds import check_int, check_seconds
from nniannot.runner.tuners import DEFAULT_MULTI_OBJECTIVE_TUNER, DEFAULT_TUNER

DEFAULT_MAX_TRIALS = 20
DEFAULT_MAX_START_FAILURES = 3


def default_tuner(multi: bool = False) -> str:
    """The tuner used when none is named (:data:`nniannot.runner.tuners.DEFAULT_TUNER`; with several
    objectives :data:`~nniannot.runner.tuners.DEFAULT_MULTI_OBJECTIVE_TUNER`)."""
    return DEFAULT_MULTI_OBJECTIVE_TUNER if multi else DEFAULT_TUNER


@dataclass
class ExperimentConfig:
    """Everything an experiment needs. ``command`` is the trial's argv (``script`` + ``args`` if empty).

    ``use_annotation`` None means: find out from the script (annotations present -> transform it).
    ``search_space`` is an NNI JSON dict when given explicitly (file or inline).
    Durations are seconds. ``max_trial_duration`` None: trials may run as long as they like.
    ``max_start_failures``: stop the experiment after this many trials in a row fail to start (0 or None: never).
    ``objectives``, ``constraints``, ``reference_point``: what the experiment optimises, as written (CLI strings,
    YAML items); :meth:`check` turns them into the stored form of :meth:`nniannot.objectives.Objectives.to_config`.
    None declared: the experiment ranks by the ``default`` key in ``optimize_mode``, as always.
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
    algorithm_timeout: float = 60.0  # seconds each call of a custom tuner/assessor/advisor may take
    optimize_mode: str = "maximize"
    max_trials: int | None = DEFAULT_MAX_TRIALS
    max_duration: float | None = None
    max_trial_duration: float | None = None
    max_start_failures: int | None = DEFAULT_MAX_START_FAILURES
    concurrency: int = 1
    seed: int | None = None
    gpus_per_trial: int = 0
    name: str | None = None
    kill_grace: float = 5.0
    cold_start: bool = False  # local: every trial a new process (no spare interpreter, no pre-imports)
    source: str = "options"  # options | nni-annot | nni-v1 | nni-v2
    backend: str = "local"  # local | dask (see docs/cluster.md)
    scheduler: str | None = None  # dask: the scheduler's address
    local_workers: int | None = None  # dask: start a local cluster of this many worker processes instead
    upload: list[str] = field(default_factory=list)  # dask: more files to ship (absolute, globs allowed)
    shared_fs: bool = False  # dask: the workers see the runner's paths, nothing is shipped
    retry_lost: bool = False  # dask: run a trial once more if its worker dies
    objectives: list[Any] = field(default_factory=list)
    constraints: list[Any] = field(default_factory=list)
    reference_point: list[Any] | None = None
    nas_mode: str = "classic"  # classic | darts | enas | oneshot (NNI's `_mode` suffix accepted)
    retrain: int = 0  # one-shot modes: then retrain the derived architecture in this many classic trials
    retrain_of: str | None = None  # set on a retraining experiment: the one-shot experiment it retrains

    def to_json(self) -> dict[str, Any]:
        """Every field as JSON-ready values (the store keeps this)."""
        return asdict(self)

    def check(self) -> ExperimentConfig:
        """Validate limits, modes and the backend; one ConfigError lists every problem found."""
        problems = [*self._limit_problems(), *self._mode_problems(), *self._backend_problems()]
        declared = None
        try:
            declared = self.objective_set()
        except ConfigError as exc:
            problems.append(str(exc))
        if len(problems) == 1:
            raise ConfigError(problems[0])
        if problems:
            raise ConfigError(f"{len(problems)} problems in the configuration:\n" + "\n".join(problems))
        self.optimize_mode = str(self.optimize_mode).lower()
        if declared is not None:
            stored = declared.to_config()
            self.objectives, self.constraints = stored["objectives"], stored.get("constraints", [])
            self.reference_point = stored.get("reference_point")
            self.optimize_mode = declared.first.direction  # the tuner and assessor follow the first one
        return self

    def objective_set(self) -> Objectives | None:
        """The declared objectives and constraints (None: none declared). Raises ConfigError if wrong."""
        mode = str(self.optimize_mode).lower()
        return build(self.objectives, self.constraints, self.reference_point, default_direction=mode)

    def _limit_problems(self) -> Iterator[str]:
        # (checker, limit in bounds.py, setting's name, whether None means "no limit")
        checks: list[tuple[Any, str, str, bool]] = [
            (check_int, "concurrency", "concurrency", False),
            (check_int, "gpus_per_trial", "gpus_per_trial", False),
            (check_seconds, "kill_grace", "kill_grace", False),
            (check_seconds, "algorithm_timeout", "algorithm_timeout", False),
            (check_int, "max_trials", "max_trials", True),
            (check_seconds, "max_duration", "max_duration", True),
            (check_seconds, "max_trial_duration", "max_trial_duration", True),
            (check_int, "concurrency", "local_workers", True),
        ]
        for checker, limit, name, optional in checks:
            value = getattr(self, name)
            if value is not None or not optional:
                yield from _problem(checker, limit, value, name)
        yield from self._start_failure_problems()

    def _start_failure_problems(self) -> Iterator[str]:
        if self.max_start_failures is not None:  # 0: off
            yield from _problem(
                check_int, "max_start_failures", self.max_start_failures, "max_start_failures"
            )

    def _mode_problems(self) -> Iterator[str]:
        if str(self.optimize_mode).lower() not in ("maximize", "minimize"):
            yield f"optimize mode must be maximize or minimize, but got {self.optimize_mode!r}"
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            yield f"seed must be a whole number, but got {self.seed!r}"
        if not self.script and not self.command:
            yield "no trial to run: give a script (nni-annot run train.py) or a trial command"
        yield from self._nas_problems()

    def _nas_problems(self) -> Iterator[str]:
        mode = normalize_mode(str(self.nas_mode))
        if mode is None:
            yield f"nas mode must be one of {', '.join(MODES)} (NNI's `_mode` suffix accepted), but got {self.nas_mode!r}"
            return
        self.nas_mode = mode
        if isinstance(self.retrain, bool) or not isinstance(self.retrain, int) or self.retrain < 0:
            yield f"retrain must be a whole number of trials >= 0, but got {self.retrain!r}"
        elif self.retrain and mode == "classic":
            yield "retrain applies to a one-shot search (--nas-mode darts, enas or oneshot), not to classic mode"

    def _backend_problems(self) -> Iterator[str]:
        if self.backend not in ("local", "dask"):
            yield f"backend must be local or dask, but got {self.backend!r}"
        dask_only = {"scheduler": self.scheduler, "local workers": self.local_workers, "upload": self.upload,
                     "shared fs": self.shared_fs, "retry lost": self.retry_lost}  # fmt: skip
        given = [name for name, value in dask_only.items() if value]
        if self.backend == "local" and given:
            yield f"{', '.join(given)} only apply to the dask backend (--backend dask)"
        if self.scheduler and self.local_workers:
            yield "give either a scheduler address or local workers, not both"
        if self.backend == "dask" and not (
            self.scheduler or self.local_workers or os.environ.get("DASK_SCHEDULER_ADDRESS")
        ):
            yield "the dask backend needs a scheduler address (--scheduler) or --local-workers N"


def _problem(checker: Any, name: str, value: Any, where: str) -> Iterator[str]:
    try:
        checker(name, value, where)
    except ConfigError as exc:
        yield str(exc)

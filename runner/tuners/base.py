"""The tuner interface: ask/tell over an NNI search space."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from nniannot.errors import TunerError
from nniannot.searchspace import SearchSpace

OPTIMIZE_MODES = ("maximize", "minimize")


def check_optimize_mode(mode: str) -> str:
    """Normalise NNI's ``optimize_mode`` (case-insensitive); raise TunerError for anything else."""
    normal = str(mode).lower()
    if normal not in OPTIMIZE_MODES:
        raise TunerError(f"optimize_mode must be 'maximize' or 'minimize', but got {mode!r}")
    return normal


class Tuner(ABC):
    """Suggests parameters for new trials and learns from their final results.

    A trial is *pending* from :meth:`suggest` until :meth:`observe` reports its value. Several may be
    pending at once when trials run in parallel; a tuner must not count on results arriving in order.
    ``observe`` with a non-finite value (NaN, inf) means the trial produced no usable result (it failed or
    was cancelled); the tuner must accept it without breaking.

    Args:
        search_space: the space to search.
        optimize_mode: ``"maximize"`` or ``"minimize"`` the reported value.
        seed: makes the sequence of suggestions reproducible (given the same observations).
    """

    def __init__(
        self, search_space: SearchSpace, optimize_mode: str = "maximize", seed: int | None = None
    ) -> None:
        self.space = search_space
        self.optimize_mode = check_optimize_mode(optimize_mode)
        self.seed = seed

    @abstractmethod
    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        """Parameters for trial ``trial_id``, keyed like the space; ``None`` when the space is exhausted."""

    @abstractmethod
    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        """Learn the final ``value`` of a trial (NaN/inf: no usable result)."""

    def observe_trial(
        self,
        trial_id: str,
        params: dict[str, Any],
        value: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        """What the experiment calls when a trial ends: :meth:`observe` with, besides, the final result as the
        trial reported it (a number or a dict; None if it reported none) and the trial's status (SUCCEEDED,
        FAILED, EARLY_STOPPED, USER_CANCELED, ...). Tuners that need only the value need not override it."""
        self.observe(trial_id, params, value)

    #: True for tuners whose :meth:`observe_vector` learns from every objective and the constraints.
    supports_multi_objective: bool = False
    #: How many objectives the experiment has (set by :meth:`set_objectives` before the first suggestion).
    n_objectives: int = 1

    def set_objectives(self, count: int) -> None:
        """Called once, before the first :meth:`suggest`, by an experiment that declares objectives or
        constraints: how many objectives :meth:`observe_vector` will give. A tuner that cannot handle it
        raises TunerError saying so."""
        self.n_objectives = count

    def observe_vector(
        self,
        trial_id: str,
        params: dict[str, Any],
        losses: Sequence[float],
        violation: float,
        reported: Any = None,
        status: str | None = None,
    ) -> None:
        """What an experiment with declared objectives or constraints calls instead of :meth:`observe_trial`
        when a trial ends.

        ``losses`` has one entry per objective, each direction already applied (every entry is minimised);
        entries are NaN when the trial produced no usable result. ``violation`` is the sum of the constraints'
        violations: > 0 means infeasible. By default a tuner learns the first objective alone, in its own
        ``optimize_mode`` (the experiment sets it to the first objective's direction), and an infeasible
        trial as no usable result.
        """
        first = losses[0] if losses and not violation > 0 else math.nan
        value = -first if self.optimize_mode == "maximize" else first
        self.observe_trial(trial_id, params, value, reported, status)

    def more_after_results(self) -> bool:
        """After :meth:`suggest` returned None: whether it may suggest again once running trials end (then
        the experiment waits for them instead of ending). By default None means the space is exhausted."""
        return False

    def ready(self) -> bool:
        """False while the tuner waits for running trials before it suggests more (PBT between generations).

        The runner then asks again when a trial ends. With no trial running it calls :meth:`suggest`
        anyway, and the tuner must go on without the results it waited for.
        """
        return True

    def loss(self, value: float) -> float:
        """``value`` turned into a loss to minimise; non-finite values become +inf."""
        if value is None or not math.isfinite(value):
            return math.inf
        return -value if self.optimize_mode == "maximize" else value

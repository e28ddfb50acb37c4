"""Population-based training (Jaderberg et al., 2017), as NNI's PBTTuner runs it: one trial is one step.

Generation 0 is ``population_size`` random configurations. Every trial's parameters also carry two paths,
``load_checkpoint_dir`` and ``save_checkpoint_dir``, both ``<all_checkpoint_dir>/<member>/<generation>``
(NNI's layout): the trial loads its model from the first (if there is one), trains for one step and saves
to the second. When every trial of a generation has a result, the next one is made:

* the bottom ``fraction`` of the members (by result; failed trials count as worst) **exploit**: each takes
  the parameters of a random member of the top ``fraction``, and loads that member's checkpoint;
* and **explore**: each of those parameters is resampled from the prior with probability
  ``resample_probability``, else moved by ``factor`` of its range (of its log range for log types; to the
  neighbouring option for a ``choice``), up or down at random;
* the other members keep their parameters and continue from their own checkpoint.

The tuner says it is not :meth:`ready` while a generation waits for results. It never touches the disk;
a trial creates its save directory.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.encoding import Encoding
from nniannot.searchspace import SearchSpace

LOAD_KEY = "load_checkpoint_dir"
SAVE_KEY = "save_checkpoint_dir"


def default_checkpoint_dir(experiment_dir: str | None) -> str:
    """``<experiment dir>/checkpoint`` in a run (as NNI's default), else ``~/nni-annot/checkpoint``."""
    if experiment_dir:
        return os.path.join(experiment_dir, "checkpoint")
    return os.path.join(os.path.expanduser("~"), "nni-annot", "checkpoint")


class PbtTuner(Tuner):
    """PBT over any search space (see the module docstring).

    Args:
        all_checkpoint_dir: the parent of every checkpoint directory; it must be reachable from every trial
            (default: ``checkpoint`` in the experiment's directory).
        population_size: members per generation (NNI: 10).
        factor: size of an explore step, as a share of a parameter's range (NNI: 0.2).
        resample_probability: chance that an explored parameter is drawn afresh instead (NNI: 0.25).
        fraction: share of the members that are the bottom and the top (NNI: 0.2).
        experiment_dir: given by the runner (not a class argument).
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        all_checkpoint_dir: str | None = None,
        population_size: int = 10,
        factor: float = 0.2,
        resample_probability: float = 0.25,
        fraction: float = 0.2,
        experiment_dir: str | None = None,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self.root = os.path.expanduser(all_checkpoint_dir or default_checkpoint_dir(experiment_dir))
        self.population_size = max(1, int(population_size))
        self.factor = float(factor)
        self.resample_probability = float(resample_probability)
        self.fraction = float(fraction)
        self.encoding = Encoding(search_space)
        self.rng = np.random.default_rng(seed)
        self.generation = 0
        draws = self.encoding.sample(self.rng, self.population_size)
        self._members = [self._with_dirs(self.encoding.decode(u), i, i) for i, u in enumerate(draws)]
        self._next = 0  # the next member of this generation to hand out
        self._running: dict[str, int] = {}  # trial id -> member, this generation
        self._losses: dict[int, float] = {}  # member -> loss, this generation

    def _dir(self, member: int, generation: int) -> str:
        return os.path.join(self.root, str(member), str(generation))

    def _with_dirs(self, params: dict[str, Any], member: int, load_from: int) -> dict[str, Any]:
        load = self._dir(load_from, max(self.generation - 1, 0))
        return {**params, LOAD_KEY: load, SAVE_KEY: self._dir(member, self.generation)}

    # -- the interface --------------------------------------------------------------------------------
    def ready(self) -> bool:
        return self._next < self.population_size or len(self._losses) >= self.population_size

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if self._next >= self.population_size:
            self._advance()  # every result is in, or nothing runs any more: go on without the missing
        member = self._next
        self._next += 1
        self._running[trial_id] = member
        return dict(self._members[member])

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        member = self._running.pop(trial_id, None)
        if member is None:
            member = self._member_of(params)
        if member is not None and member not in self._losses:
            self._losses[member] = self.loss(value)

    # -- generations ----------------------------------------------------------------------------------
    def _member_of(self, params: dict[str, Any]) -> int | None:
        """The member of this generation whose save directory ``params`` carry (a result from elsewhere)."""
        for i in range(self._next):
            if params.get(SAVE_KEY) == self._members[i][SAVE_KEY]:
                return i
        return None

    def _advance(self) -> None:
        n = self.population_size
        losses = [self._losses.get(i, math.inf) for i in range(n)]
        order = sorted(range(n), key=lambda i: (losses[i], i))
        cut = math.ceil(self.fraction * n) if n > 1 else 0
        tops = [i for i in order[:cut] if math.isfinite(losses[i])]
        bottoms = set(order[n - cut :]) if tops else set()
        old = self._members
        self.generation += 1
        members = []
        for i in range(n):
            space_params = {k: v for k, v in old[i].items() if k not in (LOAD_KEY, SAVE_KEY)}
            if i in bottoms and i not in tops:
                top = tops[int(self.rng.integers(len(tops)))]
                source = {k: v for k, v in old[top].items() if k not in (LOAD_KEY, SAVE_KEY)}
                members.append(self._with_dirs(self._explore(source), i, top))
            else:
                members.append(self._with_dirs(space_params, i, i))
        self._members = members
        self._next = 0
        self._running.clear()
        self._losses.clear()

    def _explore(self, params: dict[str, Any]) -> dict[str, Any]:
        u = self.encoding.encode(params)
        prior = self.encoding.sample(self.rng, 1)[0]
        u = np.where(np.isnan(u), prior, u)
        for j, dim in enumerate(self.encoding.dims):
            up = self.rng.random() < 0.5
            if self.rng.random() < self.resample_probability:
                u[j] = prior[j]
            elif dim.is_cat:
                u[j] = min(max(u[j] + (1 if up else -1), 0), dim.size - 1)
            else:
                u[j] = min(max(u[j] + (self.factor if up else -self.factor), 0.0), 1.0)
        return self.encoding.decode(self.encoding.snap(u))

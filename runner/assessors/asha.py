"""Asynchronous successive halving (ASHA-style): decide on arrival at each rung, never wait.

Rungs sit at steps ``min_resource·eta^k``. A trial reaching a rung records its best value so far there; it
goes on only if that value is among the best ``1/eta`` of all values recorded at the rung (itself
included). Until ``bootstrap_count`` values are recorded at a rung, nobody is stopped there. It looks only
at intermediate results, so it works with any tuner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nniannot.errors import TunerError
from nniannot.runner.assessors.base import Assessor


class AshaAssessor(Assessor):
    """Args:
    min_resource: the step of the first rung (``start_step`` is accepted as its NNI-style name).
    eta: the reduction factor: the top ``1/eta`` at each rung continue.
    bootstrap_count: values a rung must hold before it stops anything.
    """

    def __init__(
        self,
        optimize_mode: str = "maximize",
        min_resource: int = 2,
        eta: float = 3,
        bootstrap_count: int = 10,
        start_step: int | None = None,
    ) -> None:
        super().__init__(optimize_mode)
        first = start_step if start_step is not None else min_resource
        if isinstance(first, bool) or not isinstance(first, int) or first < 1:
            raise TunerError(f"asha: `min_resource >= 1` (an integer) must hold, but got {first!r}")
        if not eta > 1:
            raise TunerError(f"asha: `eta > 1` must hold, but got eta={eta!r}")
        self.min_resource, self.eta, self.bootstrap = first, float(eta), max(0, int(bootstrap_count))
        self._rungs: dict[int, list[float]] = {}  # step -> losses recorded there

    def _is_rung(self, step: int) -> bool:
        if step < self.min_resource:
            return False
        k = math.log(step / self.min_resource) / math.log(self.eta)
        return abs(k - round(k)) < 1e-9

    def assess(self, trial_id: str, history: Sequence[float]) -> bool:
        step = len(history)
        if not self._is_rung(step):
            return False
        values = [float(v) for v in history if math.isfinite(float(v))]
        if not values:
            return True
        loss = -max(values) if self.optimize_mode == "maximize" else min(values)
        rung = self._rungs.setdefault(step, [])
        rung.append(loss)
        if len(rung) < self.bootstrap:
            return False
        keep = max(1, int(len(rung) / self.eta))
        return loss > sorted(rung)[keep - 1]

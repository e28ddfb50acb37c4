"""Hyperband and BOHB: multi-fidelity search; each trial learns its budget from ``TRIAL_BUDGET``.

Brackets ``s = s_max .. 0`` (then again) run successive halving: ``n`` configurations at budget
``max_budget·eta^-s``, the best ``1/eta`` of them again at ``eta`` times the budget, and so on up to
``max_budget``. Brackets do not wait for each other: when the current one has nothing to hand out
(results pending), the next one starts, so parallel workers stay busy. A suggested configuration carries
the extra key ``"TRIAL_BUDGET"`` (an int when the budget is whole), as NNI passes it; a trial reads it with
``nniannot.get_next_parameter().get("TRIAL_BUDGET")``. Hyperband draws new configurations at random; BOHB
from a TPE model of the results at the largest budget that has enough of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nniannot.errors import TunerError
from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.encoding import Encoding
from nniannot.runner.tuners.parzen import ParzenEstimator
from nniannot.searchspace import SearchSpace

BUDGET_KEY = "TRIAL_BUDGET"


@dataclass
class _Bracket:
    s: int
    sizes: list[int]  # configurations per rung
    budgets: list[float]
    rung: int = 0
    queue: list[np.ndarray] = field(default_factory=list)  # vectors still to hand out at this rung
    issued: dict[int, np.ndarray] = field(default_factory=dict)  # slot -> vector at this rung
    results: dict[int, float] = field(default_factory=dict)  # slot -> loss at this rung
    n_new: int = 0  # rung-0 configurations still to draw

    @property
    def done(self) -> bool:
        return self.rung >= len(self.sizes)


class HyperbandTuner(Tuner):
    """Args:
    R: NNI's maximum budget (``max_budget``); the smallest is the largest ``R/eta^k`` that is >= 1.
    eta: the halving rate.
    min_budget, max_budget: the budget range (BOHB's arguments; ``R`` sets ``max_budget``).
    exec_mode: NNI's argument, accepted; brackets always overlap when results are pending.
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        R: float | None = None,
        eta: float = 3,
        min_budget: float | None = None,
        max_budget: float | None = None,
        exec_mode: str | None = None,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        top = float(max_budget if max_budget is not None else (R if R is not None else 81))
        low = float(min_budget if min_budget is not None else 1.0)
        if not eta > 1:
            raise TunerError(f"{type(self).__name__}: `eta > 1` must hold, but got eta={eta!r}")
        if not 0 < low <= top:
            raise TunerError(
                f"{type(self).__name__}: `0 < min_budget <= max_budget` must hold, but got "
                f"min_budget={low}, max_budget={top}"
            )
        self.eta, self.max_budget = float(eta), top
        self.s_max = math.floor(math.log(top / low) / math.log(self.eta) + 1e-9)
        self.encoding = Encoding(search_space)
        self.rng = np.random.default_rng(seed)
        self._brackets: list[_Bracket] = []
        self._next_s = self.s_max
        self._trials: dict[str, tuple[_Bracket, int, int]] = {}
        self._history: list[tuple[float, np.ndarray, float]] = []  # (budget, vector, loss)

    def _new_bracket(self) -> _Bracket:
        s = self._next_s
        self._next_s = self._next_s - 1 if self._next_s > 0 else self.s_max
        n = math.ceil((self.s_max + 1) / (s + 1) * self.eta**s)
        sizes = [max(1, int(n * self.eta**-i)) for i in range(s + 1)]
        budgets = [self.max_budget * self.eta ** (i - s) for i in range(s + 1)]
        bracket = _Bracket(s, sizes, budgets, n_new=n)
        self._brackets.append(bracket)
        return bracket

    def new_config(self, budget: float) -> np.ndarray:
        """A fresh configuration for rung 0 (Hyperband: a prior draw)."""
        return self.encoding.sample(self.rng, 1)[0]

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        bracket = next((b for b in self._brackets if not b.done and (b.queue or b.n_new)), None)
        if bracket is None:
            bracket = self._new_bracket()
        budget = bracket.budgets[bracket.rung]
        if bracket.n_new:
            bracket.n_new -= 1
            u = self.new_config(budget)
        else:
            u = bracket.queue.pop(0)
        slot = len(bracket.issued)
        bracket.issued[slot] = u
        self._trials[trial_id] = (bracket, bracket.rung, slot)
        whole = float(budget).is_integer() or abs(budget - round(budget)) < 1e-9
        return {**self.encoding.decode(u), BUDGET_KEY: round(budget) if whole else budget}

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        loss = self.loss(value)
        entry = self._trials.pop(trial_id, None)
        if entry is None:
            # a result from elsewhere (e.g. a resumed experiment): it only feeds the model
            budget = float(params.get(BUDGET_KEY, self.max_budget))
            u = self.encoding.encode({k: v for k, v in params.items() if k != BUDGET_KEY})
            self._history.append((budget, u, loss))
            return
        bracket, rung, slot = entry
        self._history.append((bracket.budgets[rung], bracket.issued.get(slot, np.zeros(0)), loss))
        if rung != bracket.rung:
            return
        bracket.results[slot] = loss
        if len(bracket.results) == bracket.sizes[rung] and not bracket.n_new and not bracket.queue:
            self._promote(bracket)

    def _promote(self, bracket: _Bracket) -> None:
        ranked = sorted(bracket.results, key=lambda slot: bracket.results[slot])
        bracket.rung += 1
        if bracket.done:
            return
        keep = ranked[: bracket.sizes[bracket.rung]]
        bracket.queue = [bracket.issued[slot] for slot in keep]
        bracket.issued, bracket.results = {}, {}


class BohbTuner(HyperbandTuner):
    """Hyperband whose new configurations come from TPE on the largest budget with enough results.

    Args (besides Hyperband's):
        min_points_in_model: results a budget needs before its model is used (default: dims + 1).
        top_n_percent: percentage of those results in the good group.
        num_samples: candidates drawn from the good density per configuration.
        random_fraction: share of configurations drawn at random regardless.
        bandwidth_factor, min_bandwidth: NNI's arguments; ``min_bandwidth`` clips the kernel widths.
    """

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        min_budget: float = 1,
        max_budget: float = 3,
        eta: float = 3,
        min_points_in_model: int | None = None,
        top_n_percent: float = 15,
        num_samples: int = 64,
        random_fraction: float = 1 / 3,
        bandwidth_factor: float | None = None,
        min_bandwidth: float = 0.03,
        R: float | None = None,
        exec_mode: str | None = None,
    ) -> None:
        super().__init__(
            search_space,
            optimize_mode,
            seed,
            R=None,
            eta=eta,
            min_budget=min_budget,
            max_budget=max_budget if R is None else R,
            exec_mode=exec_mode,
        )
        d = self.encoding.n_dims
        self.min_points = int(min_points_in_model) if min_points_in_model else d + 1
        self.top = float(top_n_percent) / 100.0
        self.num_samples = max(1, int(num_samples))
        self.random_fraction = float(random_fraction)
        self.min_bandwidth = float(min_bandwidth)

    def new_config(self, budget: float) -> np.ndarray:
        if self.encoding.n_dims == 0 or self.rng.random() < self.random_fraction:
            return super().new_config(budget)
        by_budget: dict[float, list[tuple[np.ndarray, float]]] = {}
        for b, u, loss in self._history:
            if np.isfinite(loss) and len(u) == self.encoding.n_dims:
                by_budget.setdefault(b, []).append((u, loss))
        usable = [b for b, rows in by_budget.items() if len(rows) >= max(self.min_points, 3)]
        if not usable:
            return super().new_config(budget)
        rows = by_budget[max(usable)]
        X = np.array([u for u, _ in rows])
        y = np.array([loss for _, loss in rows])
        order = np.argsort(y, kind="stable")
        n_good = max(1, math.ceil(self.top * len(y)))
        sizes = self.encoding.sizes
        good = ParzenEstimator(X[order[:n_good]], np.ones(n_good), 1.0, sizes, self.min_bandwidth)
        bad = ParzenEstimator(X[order[n_good:]], np.ones(len(y) - n_good), 1.0, sizes, self.min_bandwidth)
        cand = self.encoding.snap(good.sample(self.rng, self.num_samples))
        return cand[int(np.argmax(good.log_pdf(cand) - bad.log_pdf(cand)))]

"""Bookkeeping shared by the tuners that work on the encoded vector (TPE, GP, anneal, evolution).

A subclass implements :meth:`EncodedTuner.propose`: candidate vectors, best first. This base turns the first
acceptable one into parameters, keeps pending and finished trials, and in a discrete space never hands out
a configuration already running or run while unseen ones remain (``None`` once all were tried).
"""

from __future__ import annotations

import importlib
import sys
import threading
from abc import abstractmethod
from typing import Any

import numpy as np

from nniannot.runner.tuners.base import Tuner
from nniannot.runner.tuners.encoding import Encoding
from nniannot.runner.tuners.spaces import config_key, enumerate_space, space_size
from nniannot.searchspace import SearchSpace

# Discrete spaces up to this size are enumerated to find an unseen configuration when sampling fails.
_ENUMERATE_LIMIT = 200_000


def prefetch(modules: tuple[str, ...]) -> None:
    """Import ``modules`` on a daemon thread.

    A model's modules pull in scipy (about half a second), which the start-up trials do not need: importing
    them beside those trials keeps it off the time to the first trial. A later import of the same module
    waits for this one (Python's per-module import lock), so there is no race.
    """
    if modules and not all(m in sys.modules for m in modules):
        threading.Thread(target=lambda: [importlib.import_module(m) for m in modules], daemon=True,
                         name="nni-annot-prefetch").start()  # fmt: skip


class EncodedTuner(Tuner):
    """Base of the model-based tuners; see the module docstring.

    Attributes available to subclasses: ``encoding``, ``rng`` (a seeded numpy Generator), :attr:`X` and
    :attr:`y` (finished trials as vectors and losses, +inf for no usable result) and :attr:`pending_X`.
    ``model_modules`` names the modules the model needs (imported lazily by the subclass, prefetched here).
    """

    model_modules: tuple[str, ...] = ()

    def __init__(
        self,
        search_space: SearchSpace,
        optimize_mode: str = "maximize",
        seed: int | None = None,
        n_startup: int = 10,
    ) -> None:
        super().__init__(search_space, optimize_mode, seed)
        self.encoding = Encoding(search_space)
        self.rng = np.random.default_rng(seed)
        self.n_startup = max(1, int(n_startup))
        self._size = space_size(search_space)
        self._pending: dict[str, np.ndarray] = {}
        self._xs: list[np.ndarray] = []
        self._losses: list[float] = []
        self._seen: set[str] = set()
        self._n_suggested = 0
        self._design = self._startup_design(self.n_startup)
        prefetch(self.model_modules)

    # -- what subclasses read -------------------------------------------------------------------------
    @property
    def X(self) -> np.ndarray:
        return np.array(self._xs, dtype=float).reshape(len(self._xs), self.encoding.n_dims)

    @property
    def y(self) -> np.ndarray:
        return np.array(self._losses, dtype=float)

    @property
    def pending_X(self) -> np.ndarray:
        return np.array(list(self._pending.values()), dtype=float).reshape(-1, self.encoding.n_dims)

    def filled(self, X: np.ndarray) -> np.ndarray:
        """``X`` with inactive (NaN) entries replaced by prior draws, so every row is a full vector."""
        X = np.array(X, dtype=float, copy=True)
        holes = np.isnan(X)
        if holes.any():
            X[holes] = self.encoding.sample(self.rng, X.shape[0])[holes]
        return X

    # -- the interface --------------------------------------------------------------------------------
    @abstractmethod
    def propose(self) -> np.ndarray:
        """Candidate vectors for the next trial, shape ``(k, n_dims)``, best first (k >= 1)."""

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if self._size is not None and len(self._seen) >= self._size:
            return None
        if self._n_suggested < len(self._design):
            candidates = self._design[self._n_suggested : self._n_suggested + 1]
        elif self.encoding.n_dims == 0:
            candidates = np.zeros((1, 0))
        else:
            candidates = self.propose()
        params = self._first_unseen(candidates)
        if params is None:
            return None
        self._n_suggested += 1
        self._seen.add(config_key(params))
        self._pending[trial_id] = self.encoding.encode(params)
        return params

    def observe(self, trial_id: str, params: dict[str, Any], value: float) -> None:
        x = self._pending.pop(trial_id, None)
        if x is None:
            x = self.encoding.encode(params)
            self._seen.add(config_key(params))
        self._xs.append(x)
        self._losses.append(self.loss(value))

    # -- helpers --------------------------------------------------------------------------------------
    def _startup_design(self, n: int) -> np.ndarray:
        """A Latin hypercube: every numeric range and every categorical value covered evenly."""
        d = self.encoding.n_dims
        if d == 0:
            return np.zeros((0, 0))
        u = latin_hypercube(self.rng, n, d)
        for j, dim in enumerate(self.encoding.dims):
            if dim.is_cat:
                u[:, j] = np.floor(u[:, j] * dim.size)
        return u

    def _first_unseen(self, candidates: np.ndarray) -> dict[str, Any] | None:
        discrete = self._size is not None
        for u in np.atleast_2d(candidates):
            params = self.encoding.decode(u)
            if not discrete or config_key(params) not in self._seen:
                return params
        return self._random_unseen() if discrete else self.encoding.decode(candidates[0])

    def _random_unseen(self) -> dict[str, Any] | None:
        for u in self.encoding.sample(self.rng, 64):
            params = self.encoding.decode(u)
            if config_key(params) not in self._seen:
                return params
        if self._size is None or self._size > _ENUMERATE_LIMIT:
            # Too big to list, and unseen ones are plentiful: a repeat here is a rare accident.
            return self.encoding.decode(self.encoding.sample(self.rng, 1)[0])
        unseen = [p for p in enumerate_space(self.space) if config_key(p) not in self._seen]
        return unseen[int(self.rng.integers(len(unseen)))] if unseen else None


def finite_losses(y: np.ndarray) -> np.ndarray:
    """Losses with +inf (no usable result) replaced by the worst finite loss (or 0 if there is none)."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    worst = float(y[ok].max()) if ok.any() else 0.0
    return np.where(ok, y, worst)


def latin_hypercube(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``n`` points in ``[0, 1)^d``, one in each of the ``n`` equal slices of every coordinate."""
    slices = np.argsort(rng.random((n, d)), axis=0)
    return (slices + rng.random((n, d))) / n

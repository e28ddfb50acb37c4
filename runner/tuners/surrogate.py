"""Expected improvement and a local search over the encoded space, for surrogates without gradients.

SMAC's random forest and DNGO's Bayesian linear regression both score candidate vectors with
:func:`expected_improvement`; :func:`local_search` climbs from the best trials by one-exchange neighbours
(a numeric coordinate moved by a Gaussian step, or a categorical one set to another value), as SMAC does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr

from nniannot.runner.tuners.encoding import Encoding

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

Score = Callable[[np.ndarray], np.ndarray]


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """EI of a minimisation below ``best`` for Gaussian predictions ``mean`` ± ``std``."""
    std = np.maximum(std, 1e-12)
    z = (best - mean) / std
    return std * (z * ndtr(z) + _INV_SQRT_2PI * np.exp(-0.5 * z * z))


def neighbours(
    x: np.ndarray, encoding: Encoding, rng: np.random.Generator, n: int, step: float
) -> np.ndarray:
    """``n`` vectors that differ from ``x`` in one coordinate each (chosen at random), snapped."""
    d = encoding.n_dims
    out = np.repeat(x[None], n, axis=0)
    rows = np.arange(n)
    which = rng.integers(0, d, n)
    sizes = encoding.sizes[which]
    cat = encoding.cat_mask[which]
    old = out[rows, which]
    shift = rng.integers(1, np.maximum(sizes, 2))
    moved = np.clip(old + step * rng.normal(size=n), 0.0, 1.0)
    recat = np.where(sizes > 1, (np.round(old) + shift) % np.maximum(sizes, 1), old)
    out[rows, which] = np.where(cat, recat, moved)
    return encoding.snap(out)


def local_search(
    score: Score,
    starts: np.ndarray,
    encoding: Encoding,
    rng: np.random.Generator,
    steps: int = 8,
    n_neighbours: int = 16,
    step: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Hill-climb every start to its best neighbour while that improves ``score``; all points and scores.

    Each step scores the neighbours of every start in one call of ``score``.
    """
    current = encoding.snap(np.atleast_2d(starts))
    values = score(current)
    seen_x, seen_s = [current], [values]
    for _ in range(steps):
        cand = np.vstack([neighbours(x, encoding, rng, n_neighbours, step) for x in current])
        s = score(cand).reshape(len(current), n_neighbours)
        seen_x.append(cand)
        seen_s.append(s.ravel())
        best = s.argmax(axis=1)
        better = s[np.arange(len(current)), best] > values + 1e-12
        if not better.any():
            break
        rows = cand.reshape(len(current), n_neighbours, -1)[np.arange(len(current)), best]
        current = np.where(better[:, None], rows, current)
        values = np.where(better, s[np.arange(len(current)), best], values)
    return np.vstack(seen_x), np.concatenate(seen_s)


def ranked(points: np.ndarray, scores: np.ndarray, limit: int = 64) -> np.ndarray:
    """The ``limit`` best points, best first (ties keep their order)."""
    order = np.argsort(-scores, kind="stable")[:limit]
    return points[order]

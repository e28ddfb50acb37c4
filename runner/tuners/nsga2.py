"""NSGA-II selection (Deb et al., 2002) for the evolution tuner, asynchronous and with constraints.

The parents are the ``population_size`` best finished trials by Deb's constrained non-domination rank
(feasible fronts first, then infeasible trials by violation), the last rank that does not fit whole cut by
crowding distance. Each child: two binary tournaments (lower rank wins, then larger crowding distance),
uniform crossover (each dimension from either parent), then the evolution tuner's mutation. Every trial
that finishes joins the selection at once (no generations to wait for), so parallel trials never idle.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nniannot.runner.tuners.multi import MultiObjective, crowding, normalised, ranks, select_by_rank


def propose_nsga2(
    tuner: MultiObjective,
    population_size: int,
    mutate: Callable[[np.ndarray], np.ndarray],
    n_children: int = 8,
) -> np.ndarray:
    """Candidate children of the current population, in the order they were bred."""
    X, Y, viol = tuner.history()
    usable = np.isfinite(Y).all(axis=1)
    if not usable.any():
        return tuner.encoding.sample(tuner.rng, 1)
    parents = select_by_rank(Y, viol, min(population_size, int(usable.sum())), tie_break="crowding")
    rank = ranks(Y[parents], viol[parents])
    crowd = np.zeros(len(parents))
    Z = normalised(Y[parents], np.arange(len(parents)))
    for r in np.unique(rank):
        members = np.flatnonzero(rank == r)
        crowd[members] = crowding(Z[members])
    genes = tuner.filled(X[parents])
    rng = tuner.rng
    children = []
    for _ in range(n_children):
        a, b = (_tournament(rng, rank, crowd) for _ in range(2))
        take = rng.random(genes.shape[1]) < 0.5
        child = np.where(take, genes[a], genes[b])
        children.append(mutate(child))
    return np.array(children)


def _tournament(rng: np.random.Generator, rank: np.ndarray, crowd: np.ndarray) -> int:
    if len(rank) == 1:
        return 0
    i, j = rng.choice(len(rank), size=2, replace=False)
    if rank[i] != rank[j]:
        return int(i if rank[i] < rank[j] else j)
    return int(i if crowd[i] >= crowd[j] else j)

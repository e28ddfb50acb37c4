"""Multi-objective TPE (MOTPE, Ozaki et al., 2020/2022) with constraints, over TPE's Parzen estimators.

The good group is the best ``gamma·n`` trials (at most 25) by Deb's constrained non-domination rank: every
feasible front before any infeasible trial, infeasible ones by how much they violate. The rank that does not
fit whole is cut by greedy hypervolume contribution, so the good group spreads along the front instead of
crowding one end. Members of the good group are weighted by their hypervolume contribution within it;
``g(x)`` covers the rest and the running trials (constant liar). Candidates drawn from ``l(x)`` are ranked
by ``log l - log g``, as in single-objective TPE.
"""

from __future__ import annotations

import numpy as np

from nniannot.runner.tuners.multi import MultiObjective, contribution_weights, select_by_rank
from nniannot.runner.tuners.parzen import ParzenEstimator


def propose_motpe(tuner: MultiObjective, n_below: int, n_candidates: int, min_bandwidth: float) -> np.ndarray:
    """Candidate vectors, best first, for a TPE tuner with the multi-objective history of ``tuner``."""
    X, Y, viol = tuner.history()
    usable = np.isfinite(Y).all(axis=1)
    if not usable.any():
        return tuner.encoding.sample(tuner.rng, 1)
    n_below = max(1, min(n_below, int(usable.sum())))
    below = select_by_rank(Y, viol, n_below)
    mask = np.zeros(len(Y), dtype=bool)
    mask[below] = True
    feasible_below = below[~(viol[below] > 0)]
    weights = np.ones(len(below))
    if len(feasible_below) == len(below):
        weights = contribution_weights(Y[below])
    floor = max(min_bandwidth, (len(Y) + 2) ** -2.0)
    sizes = tuner.encoding.sizes
    good = ParzenEstimator(X[below], weights, float(weights.mean()), sizes, floor)
    bad_x = np.vstack([X[~mask], tuner.pending_X])
    bad = ParzenEstimator(bad_x, np.ones(len(bad_x)), 1.0, sizes, floor)
    cand = tuner.encoding.snap(good.sample(tuner.rng, n_candidates))
    score = good.log_pdf(cand) - bad.log_pdf(cand)
    return cand[np.argsort(-score, kind="stable")]

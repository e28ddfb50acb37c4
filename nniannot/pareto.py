"""Pareto dominance and hypervolume over loss vectors (every coordinate is minimised).

Stdlib only, so the runner, the tuners and the viewer share one definition. A *loss vector* is a tuple of
floats, one per objective, with each objective's direction already applied (a maximised objective enters
negated): see :meth:`nniannot.objectives.Objectives.evaluate`. Callers leave out vectors with a NaN.

- :func:`dominates`: ``a`` is no worse than ``b`` everywhere and better somewhere.
- :func:`nondominated_ranks`: 0 for the Pareto front, 1 for the front of what remains, and so on.
- :func:`constrained_ranks`: the same with Deb's rule: every feasible vector before every infeasible one;
  infeasible ones ranked by how much they violate (less is better).
- :func:`hypervolume`: the volume dominated by the vectors and bounded by a reference point (exact).
- :func:`hypervolume_contributions`: what each vector alone adds to it.
- :func:`default_reference_point`: a reference point derived from the vectors, when the user gave none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Vector = Sequence[float]


def dominates(a: Vector, b: Vector) -> bool:
    """Whether ``a`` Pareto-dominates ``b`` (minimisation): ``a <= b`` in every coordinate, ``<`` in one."""
    better = False
    for x, y in zip(a, b, strict=True):
        if x > y:
            return False
        if x < y:
            better = True
    return better


def nondominated_ranks(vectors: Sequence[Vector]) -> list[int]:
    """The non-domination rank of each vector: 0 for those no other vector dominates, then 1, 2, ...

    Equal vectors share a rank. Two objectives take O(n log n); more take O(m n^2).
    """
    if not vectors:
        return []
    width = len(vectors[0])
    if any(len(v) != width for v in vectors):
        raise ValueError("every vector must have as many coordinates as the first")
    if width == 1:
        distinct = sorted(set(v[0] for v in vectors))
        place = {value: rank for rank, value in enumerate(distinct)}
        return [place[v[0]] for v in vectors]
    if width == 2:
        return _ranks_2d(vectors)
    return _ranks_general(vectors)


def _ranks_2d(vectors: Sequence[Vector]) -> list[int]:
    # Sweep by the first coordinate (then the second). Each front keeps its last member, the one with the
    # smallest second coordinate so far; a point belongs to the first front whose last member does not
    # dominate it. Later fronts' last members are dominated by earlier ones', so a binary search finds it.
    order = sorted(range(len(vectors)), key=lambda i: (vectors[i][0], vectors[i][1]))
    lasts: list[tuple[float, float]] = []
    ranks = [0] * len(vectors)
    for i in order:
        point = (float(vectors[i][0]), float(vectors[i][1]))
        lo, hi = 0, len(lasts)
        while lo < hi:
            mid = (lo + hi) // 2
            if dominates(lasts[mid], point):
                lo = mid + 1
            else:
                hi = mid
        if lo == len(lasts):
            lasts.append(point)
        else:
            lasts[lo] = point
        ranks[i] = lo
    return ranks


def _ranks_general(vectors: Sequence[Vector]) -> list[int]:
    n = len(vectors)
    dominated_by = [0] * n
    beats: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if dominates(vectors[i], vectors[j]):
                beats[i].append(j)
                dominated_by[j] += 1
            elif dominates(vectors[j], vectors[i]):
                beats[j].append(i)
                dominated_by[i] += 1
    ranks = [0] * n
    front = [i for i in range(n) if dominated_by[i] == 0]
    rank = 0
    while front:
        following = []
        for i in front:
            ranks[i] = rank
            for j in beats[i]:
                dominated_by[j] -= 1
                if dominated_by[j] == 0:
                    following.append(j)
        front = following
        rank += 1
    return ranks


def constrained_ranks(vectors: Sequence[Vector], violations: Sequence[float]) -> list[int]:
    """Ranks under Deb's constrained domination: feasible vectors (violation <= 0) by
    :func:`nondominated_ranks`, then the infeasible ones after the last feasible rank, by their violation
    (equal violations share a rank)."""
    if len(vectors) != len(violations):
        raise ValueError("one violation per vector")
    feasible = [i for i, v in enumerate(violations) if not v > 0]
    ranks = [0] * len(vectors)
    feasible_ranks = nondominated_ranks([vectors[i] for i in feasible])
    for i, rank in zip(feasible, feasible_ranks, strict=True):
        ranks[i] = rank
    start = max(feasible_ranks) + 1 if feasible_ranks else 0
    infeasible = sorted({violations[i] for i in range(len(vectors)) if violations[i] > 0})
    place = {value: start + k for k, value in enumerate(infeasible)}
    for i, v in enumerate(violations):
        if v > 0:
            ranks[i] = place[v]
    return ranks


def pareto_front(vectors: Sequence[Vector]) -> list[int]:
    """Indices of the non-dominated vectors, in input order."""
    return [i for i, rank in enumerate(nondominated_ranks(vectors)) if rank == 0]


def hypervolume(vectors: Sequence[Vector], reference: Vector) -> float:
    """The volume of the region dominated by ``vectors`` and dominating ``reference`` (exact).

    Vectors not strictly better than the reference in every coordinate add nothing. Two objectives take
    O(n log n); more are computed by slicing along the last coordinate (fine for fronts of hundreds).
    """
    ref = tuple(float(r) for r in reference)
    points = [tuple(float(x) for x in v) for v in vectors]
    if any(len(p) != len(ref) for p in points):
        raise ValueError(f"every vector must have {len(ref)} coordinates, as the reference point")
    inside = [p for p in points if all(x < r for x, r in zip(p, ref, strict=True))]
    if not inside:
        return 0.0
    front = [inside[i] for i in pareto_front(inside)]
    return _volume(sorted(set(front)), ref)


def _volume(points: list[tuple[float, ...]], ref: tuple[float, ...]) -> float:
    if len(ref) == 1:
        return ref[0] - min(p[0] for p in points)
    if len(ref) == 2:
        total, floor = 0.0, ref[1]
        for x, y in sorted(points):
            if y < floor:
                total += (ref[0] - x) * (floor - y)
                floor = y
        return total
    ordered = sorted(points, key=lambda p: p[-1])
    total = 0.0
    for k, point in enumerate(ordered):
        top = ordered[k + 1][-1] if k + 1 < len(ordered) else ref[-1]
        depth = top - point[-1]
        if depth > 0:
            below = [p[:-1] for p in ordered[: k + 1]]
            slab = [below[i] for i in pareto_front(below)]
            total += depth * _volume(sorted(set(slab)), ref[:-1])
    return total


def hypervolume_contributions(vectors: Sequence[Vector], reference: Vector) -> list[float]:
    """For each vector, how much the hypervolume falls without it (0 for a dominated or duplicated one)."""
    whole = hypervolume(vectors, reference)
    out = []
    for i in range(len(vectors)):
        rest = [v for j, v in enumerate(vectors) if j != i]
        out.append(max(0.0, whole - hypervolume(rest, reference)) if rest else whole)
    return out


def default_reference_point(vectors: Sequence[Vector], margin: float = 0.1) -> tuple[float, ...]:
    """A reference point just worse than every vector: per coordinate, the worst value plus ``margin``
    times the range of values (or plus ``margin`` times the value's size, or ``margin``, when all values are
    equal). Raises ValueError with no vectors."""
    if not vectors:
        raise ValueError("a reference point cannot be derived from no vectors")
    width = len(vectors[0])
    out = []
    for k in range(width):
        column = [float(v[k]) for v in vectors]
        worst, best = max(column), min(column)
        spread = worst - best
        if not spread > 0:
            spread = abs(worst) if worst != 0 else 1.0
        out.append(worst + margin * spread)
    if not all(math.isfinite(x) for x in out):
        raise ValueError("a reference point needs finite vectors")
    return tuple(out)

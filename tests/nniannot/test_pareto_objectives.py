"""Pareto ranks and hypervolume against brute force; objectives and constraints as users write them."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot.errors import ConfigError
from nniannot.objectives import build, from_config, parse_constraint, parse_objective
from nniannot.pareto import (
    constrained_ranks,
    default_reference_point,
    dominates,
    hypervolume,
    hypervolume_contributions,
    nondominated_ranks,
)

coords = st.integers(0, 6).map(float)


def brute_ranks(vectors):
    ranks, left, rank = {}, set(range(len(vectors))), 0
    while left:
        front = {i for i in left if not any(dominates(vectors[j], vectors[i]) for j in left)}
        for i in front:
            ranks[i] = rank
        left -= front
        rank += 1
    return [ranks[i] for i in range(len(vectors))]


def grid_volume(vectors, ref):
    # Every coordinate is an integer in 0..6: count the unit cells the vectors dominate.
    cells = itertools.product(*(range(int(r)) for r in ref))
    return float(sum(any(all(p[k] <= c[k] for k in range(len(ref))) for p in vectors) for c in cells))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda m: st.lists(st.tuples(*[coords] * m), max_size=25)))
def test_ranks_match_brute_force(vectors):
    assert nondominated_ranks(vectors) == brute_ranks(vectors)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 3).flatmap(lambda m: st.lists(st.tuples(*[coords] * m), max_size=12)))
def test_hypervolume_matches_counting_cells(vectors):
    ref = (7.0,) * (len(vectors[0]) if vectors else 2)
    assert hypervolume(vectors, ref) == pytest.approx(grid_volume(vectors, ref))


def test_hypervolume_known_values():
    assert hypervolume([(1.0, 1.0)], (2.0, 3.0)) == 2.0
    assert hypervolume([(0.0, 1.0), (1.0, 0.0)], (2.0, 2.0)) == 3.0
    assert hypervolume([(3.0, 3.0)], (2.0, 2.0)) == 0.0  # outside the reference point
    assert hypervolume([(0.5, 0.5, 0.5)], (1.0, 1.0, 1.0)) == 0.125
    with pytest.raises(ValueError):
        hypervolume([(1.0, 2.0, 3.0)], (4.0, 4.0))


def test_contributions_and_reference_point():
    points = [(0.0, 2.0), (1.0, 1.0), (2.0, 0.0), (2.0, 2.0)]
    assert hypervolume_contributions(points, (3.0, 3.0)) == [1.0, 1.0, 1.0, 0.0]
    assert default_reference_point([(0.0, 5.0), (1.0, 5.0)]) == (1.1, 5.5)


def test_constrained_ranks_put_infeasible_last_by_violation():
    vectors = [(0.0, 0.0), (1.0, 1.0), (-5.0, -5.0), (-9.0, -9.0)]
    assert constrained_ranks(vectors, [0.0, 0.0, 2.0, 0.5]) == [0, 1, 3, 2]
    assert constrained_ranks(vectors, [1.0, 1.0, 1.0, 1.0]) == [0, 0, 0, 0]


def test_ranks_scale_in_two_dimensions():
    rng = random.Random(1)
    vectors = [(rng.random(), rng.random()) for _ in range(2000)]
    ranks = nondominated_ranks(vectors)
    sample = rng.sample(range(2000), 40)
    for i in sample:  # a vector is dominated by a vector of every lower rank, never by one of its own
        assert not any(dominates(vectors[j], vectors[i]) for j in range(2000) if ranks[j] == ranks[i])


def test_objectives_from_their_written_forms():
    spec = build(["accuracy:max", {"size_mb": "min"}], ["latency_ms <= 20"], [0.0, 50])
    assert spec is not None and spec.multi and spec.keys == ("accuracy", "size_mb")
    assert spec.reference_losses() == (-0.0, 50.0)
    ok = spec.evaluate({"accuracy": 0.9, "size_mb": 3, "latency_ms": 25})
    assert ok.values == (0.9, 3.0) and ok.losses == (-0.9, 3.0) and ok.violation == 5.0 and not ok.feasible
    assert from_config(spec.to_config()) == spec
    assert build([]) is None
    only = build([], ["default >= 0.5"], default_direction="minimize")
    assert only is not None and only.first.direction == "minimize"
    assert parse_constraint({"key": "a", "op": ">", "bound": 1}).violation(1.0) > 0


@pytest.mark.parametrize(
    "result, fragment",
    [
        ({"accuracy": 0.9}, "no 'size_mb' entry"),
        ({"accuracy": "high", "size_mb": 1}, "needs a number in 'accuracy'"),
        ({"accuracy": math.nan, "size_mb": 1}, "finite number"),
        (0.5, "single number"),
    ],
)
def test_unusable_results_say_why(result, fragment):
    spec = build(["accuracy:max", "size_mb:min"])
    assert spec is not None
    evaluation = spec.evaluate(result)
    assert evaluation.problem is not None and fragment in evaluation.problem and not evaluation.feasible


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: parse_objective("accuracy:up"), "unknown direction 'up'"),
        (lambda: parse_objective("accuracy"), "needs a direction"),
        (lambda: build(["a:max", "a:min"]), "declared twice"),
        (lambda: parse_constraint("latency_ms == 20"), "operator '=='"),
        (lambda: parse_constraint("latency <="), "does not parse"),
        (lambda: parse_constraint("latency <= fast"), "finite number"),
        (lambda: build(["a:max", "b:min"], reference_point=[1.0]), "has 1 value(s), but there are 2"),
        (lambda: build([], reference_point=[1.0]), "needs objectives"),
    ],
)
def test_bad_declarations_are_config_errors(call, fragment):
    with pytest.raises(ConfigError, match=None) as caught:
        call()
    assert fragment in str(caught.value)

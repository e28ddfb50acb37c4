"""The Pareto view of a multi-objective experiment: each trial's objective values, feasibility and
constrained dominance rank, the Pareto set, the hypervolume and its history over trials.

Everything is computed on read from each trial's stored final result with
:meth:`nniannot.objectives.Objectives.evaluate` (the experiment's configuration says what its objectives
and constraints are), so stores written before objectives existed, and single-objective experiments, give
None here and keep their usual views.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nniannot import pareto
from nniannot.objectives import Objectives, from_config
from nniannot.runner.store import FINISHED_STATUSES, TrialPoint


def objectives_of(config: Any) -> Objectives | None:
    """The objectives of an experiment whose result is a Pareto set (two or more objectives), else None."""
    found = from_config(config)
    return found if found is not None and found.multi else None


@dataclass(frozen=True)
class Front:
    """The Pareto view of one experiment (see :func:`front`). Lists are by trial, in seq order, over the
    finished trials whose result could be evaluated; ``problems`` lists the others' reasons."""

    objectives: Objectives
    ids: list[str]
    seqs: list[int]
    values: list[tuple[float, ...]]
    violations: list[float]
    reasons: list[str | None]  # the constraints an infeasible trial breaks, as text
    ranks: list[int]
    problems: dict[str, str]
    reference: tuple[float, ...] | None  # in the objectives' own units
    reference_given: bool
    hypervolume: float | None
    history: list[list[Any]]  # [seq, hypervolume so far, trial id] at each trial that raised it
    last_finished: int | None

    def rank_of(self) -> dict[int, int]:
        """Constrained rank by trial seq (0: the Pareto set; infeasible trials after every feasible rank)."""
        return dict(zip(self.seqs, self.ranks, strict=True))

    @property
    def members(self) -> list[int]:
        """Indices of the Pareto set: rank 0 and feasible."""
        return [i for i, r in enumerate(self.ranks) if r == 0 and not self.violations[i] > 0]


def front(objectives: Objectives, points: list[TrialPoint]) -> Front:
    """The Pareto view of ``points`` (read with their final results) under ``objectives``."""
    ids, seqs, values, losses, violations, reasons, problems = [], [], [], [], [], [], {}
    last = None
    for p in points:
        if p.status not in FINISHED_STATUSES:
            continue
        last = p.seq if last is None else max(last, p.seq)
        if p.final_json is None:
            continue
        try:
            result = json.loads(p.final_json)
        except ValueError:
            problems[p.id] = "its final result is not readable JSON"
            continue
        evaluation = objectives.evaluate(result)
        if evaluation.problem is not None:
            problems[p.id] = evaluation.problem
            continue
        ids.append(p.id)
        seqs.append(p.seq)
        values.append(evaluation.values)
        losses.append(evaluation.losses)
        violations.append(evaluation.violation)
        reasons.append("; ".join(broken(objectives, result)) if evaluation.violation > 0 else None)
    ranks = pareto.constrained_ranks(losses, violations)
    feasible = [loss for loss, v in zip(losses, violations, strict=True) if not v > 0]
    given = objectives.reference_losses()
    reference = given
    if reference is None and feasible:
        reference = pareto.default_reference_point(feasible)
    volume = pareto.hypervolume(feasible, reference) if reference is not None and feasible else None
    shown = None
    if reference is not None:
        shown = tuple(o.sign * r for o, r in zip(objectives.objectives, reference, strict=True))
    return Front(objectives, ids, seqs, values, violations, reasons, ranks, problems, shown, given is not None,
                 volume, _history(seqs, ids, losses, violations, reference), last)  # fmt: skip


def _history(
    seqs: list[int], ids: list[str], losses: list[tuple[float, ...]], violations: list[float],
    reference: tuple[float, ...] | None,
) -> list[list[Any]]:  # fmt: skip
    """Hypervolume of the feasible trials so far, recomputed only when a trial joins the current front."""
    if reference is None:
        return []
    current: list[tuple[float, ...]] = []
    out: list[list[Any]] = []
    for seq, trial_id, loss, violation in zip(seqs, ids, losses, violations, strict=True):
        if violation > 0 or any(pareto.dominates(c, loss) or c == loss for c in current):
            continue
        current = [c for c in current if not pareto.dominates(loss, c)] + [loss]
        volume = pareto.hypervolume(current, reference)
        if not out or volume > out[-1][1]:
            out.append([seq, volume, trial_id])
    return out


def to_json(found: Front, limit: int) -> dict[str, Any]:
    """What the charts and overview draw: every Pareto-set member, and at most ``limit`` trials in all
    (the members, the other feasible trials by rank, then the infeasible ones)."""
    order = sorted(range(len(found.ids)), key=lambda i: (found.ranks[i], found.seqs[i]))
    keep = sorted(set(order[:limit]) | set(found.members))
    o = found.objectives
    return {
        "objectives": [{"key": x.key, "direction": x.direction} for x in o.objectives],
        "constraints": [c.text() for c in o.constraints],
        "reference_point": list(found.reference) if found.reference is not None else None,
        "reference_given": found.reference_given,
        "hypervolume": found.hypervolume,
        "history": found.history,
        "last_finished": found.last_finished,
        "evaluated": len(found.ids),
        "sampled": len(keep) < len(found.ids),
        "problems": len(found.problems),
        "front": [found.ids[i] for i in found.members],
        "trials": {
            "id": [found.ids[i] for i in keep],
            "seq": [found.seqs[i] for i in keep],
            "values": [list(found.values[i]) for i in keep],
            "violation": [found.violations[i] for i in keep],
            "rank": [found.ranks[i] for i in keep],
            "why": [found.reasons[i] for i in keep],
        },
    }


def broken(objectives: Objectives, result: Any) -> list[str]:
    """The constraints ``result`` breaks, each as ``latency_ms <= 20 (got 31.5)``."""
    out = []
    for c in objectives.constraints:
        value = result.get(c.key) if isinstance(result, dict) else (result if c.key == "default" else None)
        if isinstance(value, (int, float)) and c.violation(float(value)) > 0:
            out.append(f"{c.text()} (got {value:g})")
    return out

"""The Pareto set of a stored experiment: what ``show``, ``list`` and ``export`` print when it declares several
objectives (or constraints).

Everything is computed from each trial's stored final result with the experiment's
:class:`~nniannot.objectives.Objectives` (read back from its stored configuration), so a reader needs no
runner. Only SUCCEEDED trials with a usable final result are ranked: feasible ones by non-domination
(rank 0 is the Pareto front), infeasible ones after them by how much they violate (Deb's rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nniannot.objectives import Objectives, from_config
from nniannot.pareto import constrained_ranks, default_reference_point, hypervolume
from nniannot.runner.store import SUCCEEDED, Experiment, Trial


@dataclass(frozen=True)
class Ranked:
    """A trial with a usable final result, seen through the objectives."""

    trial: Trial
    values: tuple[float, ...]  # the objectives' values, in declaration order
    violation: float  # > 0: infeasible
    rank: int  # 0: non-dominated among the feasible trials

    @property
    def feasible(self) -> bool:
        return not self.violation > 0

    @property
    def member(self) -> bool:
        """Whether the trial is in the Pareto set (non-dominated and feasible)."""
        return self.feasible and self.rank == 0


@dataclass(frozen=True)
class ParetoSet:
    """The ranked trials of an experiment, its Pareto set and the set's hypervolume."""

    objectives: Objectives
    ranked: list[Ranked]  # in the order of the trials given
    reference: tuple[float, ...] | None  # in the objectives' own units; None: nothing to derive it from
    derived: bool  # the reference point was derived from the trials (none was declared)
    hypervolume: float | None

    @property
    def members(self) -> list[Ranked]:
        return [r for r in self.ranked if r.member]

    @property
    def feasible_count(self) -> int:
        return sum(r.feasible for r in self.ranked)

    def by_trial(self) -> dict[str, Ranked]:
        return {r.trial.id: r for r in self.ranked}

    def reference_text(self) -> str:
        """The reference point as ``key=value`` pairs and where it came from."""
        if self.reference is None:
            return "no reference point yet (no feasible trial)"
        pairs = ", ".join(f"{k}={v:.6g}" for k, v in zip(self.objectives.keys, self.reference, strict=True))
        how = "derived: 10% of the range beyond the worst feasible value of each" if self.derived else "given"
        return f"reference point {pairs}, {how}"


def multi_objective(exp: Experiment) -> Objectives | None:
    """The experiment's objectives when its result is a Pareto set: several objectives, or constraints.
    None for an experiment ranked by one key with no constraint (shown as always)."""
    objectives = from_config(exp.config)
    if objectives is None or not (objectives.multi or objectives.constraints):
        return None
    return objectives


def pareto_set(objectives: Objectives, trials: Sequence[Trial]) -> ParetoSet:
    """Rank ``trials`` (SUCCEEDED ones with a usable final result) and measure the Pareto set."""
    usable = []
    for trial in trials:
        if trial.status != SUCCEEDED or trial.final is None:
            continue
        evaluation = objectives.evaluate(trial.final)
        if evaluation.problem is None:
            usable.append((trial, evaluation))
    ranks = constrained_ranks([e.losses for _, e in usable], [e.violation for _, e in usable])
    ranked = [Ranked(t, e.values, e.violation, r) for (t, e), r in zip(usable, ranks, strict=True)]
    front = [e.losses for (_, e), r in zip(usable, ranked, strict=True) if r.member]
    feasible = [e.losses for (_, e), r in zip(usable, ranked, strict=True) if r.feasible]
    reference_losses = objectives.reference_losses()
    derived = reference_losses is None
    if reference_losses is None and feasible:
        reference_losses = default_reference_point(feasible)
    if reference_losses is None:
        return ParetoSet(objectives, ranked, None, derived, None)
    signs = [o.sign for o in objectives.objectives]
    reference = tuple(s * x for s, x in zip(signs, reference_losses, strict=True))
    volume = hypervolume(front, reference_losses) if front else 0.0
    return ParetoSet(objectives, ranked, reference, derived, volume)


class _Trials(Protocol):
    def list_trials(self, exp_id: str) -> list[Trial]: ...


def experiment_pareto(exp: Experiment, reader: _Trials) -> ParetoSet | None:
    """The Pareto set of ``exp`` from its trials in ``reader`` (a store or a reader); None, without reading
    a trial, when the experiment is ranked by one key with no constraint."""
    objectives = multi_objective(exp)
    return None if objectives is None else pareto_set(objectives, reader.list_trials(exp.id))


def summary_lines(pareto: ParetoSet) -> list[str]:
    """What the summary says instead of one best trial: objectives, the Pareto set, its hypervolume."""
    objectives = pareto.objectives
    said = ", ".join(f"{o.key} ({o.direction[:3]})" for o in objectives.objectives)
    if objectives.constraints:
        said += "; constraints: " + ", ".join(c.text() for c in objectives.constraints)
    members = pareto.members
    infeasible = len(pareto.ranked) - pareto.feasible_count
    lines = [f"  objectives: {said}"]
    if not members:
        also = f"; {infeasible} infeasible" if infeasible else ""
        lines.append(f"  Pareto set: empty (no trial with a usable, feasible result yet{also})")
        return lines
    ids = ", ".join(r.trial.id for r in members[:10]) + (", ..." if len(members) > 10 else "")
    lines.append(
        f"  Pareto set: {len(members)} trial(s) of {pareto.feasible_count} feasible"
        f"{f', {infeasible} infeasible' if infeasible else ''}: {ids}"
    )
    lines.append(f"  hypervolume: {pareto.hypervolume:.6g} against the {pareto.reference_text()}")
    return lines


def values_text(objectives: Objectives, values: Sequence[float]) -> str:
    return "  ".join(f"{k}={v:.6g}" for k, v in zip(objectives.keys, values, strict=True))

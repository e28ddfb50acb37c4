"""What a trial's end means: its status, the message recorded with it, and the value the tuner learns."""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass, field
from typing import Any

from nniannot.objectives import Objectives
from nniannot.protocol import Metric
from nniannot.runner.store import EARLY_STOPPED, FAILED, SUCCEEDED, SYS_CANCELED, USER_CANCELED, WAITING

# Why the runner stopped a trial before it ended on its own.
STOP_ASSESSOR = "assessor"
STOP_USER = "user"
STOP_INTERRUPT = "interrupt"
STOP_DURATION = "duration"
STOP_TRIAL_DURATION = "trial duration"  # the trial itself ran longer than its limit
STOP_START_FAILURES = "start failures"  # the first trials all failed: the experiment ends
STOP_ALGORITHM = "algorithm"  # a custom tuner or assessor failed: the experiment ends
# Stops after which the trial has not had its chance: it runs again on resume.
_REQUEUED = frozenset({STOP_INTERRUPT, STOP_START_FAILURES, STOP_ALGORITHM})


@dataclass
class LiveTrial:
    """The runner's view of a submitted trial while it runs."""

    trial_id: str
    seq: int
    params: dict[str, Any]
    history: list[float] = field(default_factory=list)
    reported: list[Any] = field(default_factory=list)  # the intermediate results as the trial gave them
    final: Metric | None = None
    final_problem: str | None = None
    problems: list[str] = field(default_factory=list)
    stop_reason: str | None = None
    attempt: int = 1
    started_at: float | None = None  # time.monotonic() when the backend said it started


@dataclass(frozen=True)
class Outcome:
    """``status`` WAITING means: put the trial back in the queue (it was interrupted, it runs again)."""

    status: str
    message: str | None
    value: float  # what the tuner learns: the final metric, the last intermediate, or NaN

    @property
    def requeue(self) -> bool:
        return self.status == WAITING


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exited with code {code}"


def seconds_text(seconds: float) -> str:
    """A duration as a user wrote it: ``90s``, ``1.5s``."""
    return f"{seconds:g}s"


def decide(
    live: LiveTrial, exit_code: int | None, stderr_tail: str, max_trial_duration: float | None = None
) -> Outcome:
    """The outcome of a trial that ended with ``exit_code`` (None: it never started)."""
    nan = math.nan
    if live.stop_reason in _REQUEUED:
        return Outcome(WAITING, "interrupted; it runs again when the experiment is resumed", nan)
    if live.stop_reason == STOP_TRIAL_DURATION:
        limit = seconds_text(max_trial_duration) if max_trial_duration is not None else "its limit"
        return Outcome(FAILED, f"ran longer than the maximum trial duration ({limit})", nan)
    if live.stop_reason == STOP_ASSESSOR:
        last = live.history[-1] if live.history else nan
        return Outcome(EARLY_STOPPED, f"stopped by the assessor after {len(live.history)} result(s)", last)
    if live.stop_reason == STOP_USER:
        return Outcome(USER_CANCELED, "cancelled by the user", nan)
    if live.stop_reason == STOP_DURATION:
        return Outcome(SYS_CANCELED, "the experiment reached its maximum duration", nan)
    if exit_code is None:
        return Outcome(FAILED, stderr_tail.strip() or "could not start", nan)  # the backend says why
    if exit_code != 0:
        return Outcome(FAILED, _exit_text(exit_code), nan)
    if live.final_problem is not None:
        return Outcome(FAILED, live.final_problem, nan)
    if live.final is None:
        if live.problems:
            return Outcome(FAILED, f"no usable final result: {live.problems[0]}", nan)
        return Outcome(SUCCEEDED, "no final result reported", nan)
    return Outcome(SUCCEEDED, "; ".join(live.problems[:3]) or None, live.final.default)


def infeasible_message(objectives: Objectives, result: Any) -> str | None:
    """Which constraints a usable final result breaks and by how much; None when it meets them all."""
    broken = []
    for constraint in objectives.constraints:
        value = result.get(constraint.key) if isinstance(result, dict) else result
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue  # evaluate() has already said what is wrong with it
        over = constraint.violation(float(value))
        if over > 0:
            broken.append(f"{constraint.text()} broken by {over:g} ({constraint.key} = {float(value):g})")
    return "infeasible: " + ", ".join(broken) if broken else None

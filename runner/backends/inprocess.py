"""An in-process backend for tests: trials are scripted values, not processes; nothing sleeps.

``InProcessBackend(handler)`` calls ``handler(spec)`` when a trial is submitted; the handler returns a
:class:`Script` (what the trial reports, its exit code and stderr). Each call to :meth:`events` advances
every running trial by one step (one report, or its end), so a runner can cancel a trial between two of
its reports, deterministically. The default handler follows ``spec.parameters["behaviour"]`` (the same
description the backend contract tests give real processes).
"""

from __future__ import annotations

import math
import queue
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nniannot.protocol import MetricRecord
from nniannot.runner.backends.base import FINISHED, METRIC, STARTED, Backend, TrialEvent, TrialSpec

_NO_FINAL = object()


@dataclass
class Script:
    """What a scripted trial does: report ``intermediates`` then ``final`` (if given), then exit.

    ``endless`` trials keep reporting their last intermediate until cancelled. ``garbage`` adds an
    unreadable-record problem before the reports.
    """

    intermediates: list[Any] = field(default_factory=list)
    final: Any = _NO_FINAL
    exit_code: int = 0
    stderr: str = ""
    endless: bool = False
    garbage: bool = False

    def steps(self) -> Iterator[TrialEvent]:
        """The metric events it reports, without trial ids (the backend fills them in)."""
        if self.garbage:
            yield TrialEvent(METRIC, "", None, ("skipped 7 byte(s) of garbage",))
        for seq, value in enumerate(self.intermediates):
            yield TrialEvent(METRIC, "", MetricRecord("PERIODICAL", seq, value))
        seq = len(self.intermediates)
        while self.endless:
            yield TrialEvent(
                METRIC,
                "",
                MetricRecord("PERIODICAL", seq, self.intermediates[-1] if self.intermediates else 0),
            )
            seq += 1
        if self.final is not _NO_FINAL:
            yield TrialEvent(METRIC, "", MetricRecord("FINAL", 0, self.final))


def behaviour_script(spec: TrialSpec) -> Script:
    """The :class:`Script` described by ``spec.parameters["behaviour"]`` (see tests/runner/behave.py)."""
    b = spec.parameters.get("behaviour", {})
    final = b.get("final", _NO_FINAL)
    if isinstance(final, str) and final in ("nan", "inf"):
        final = math.nan if final == "nan" else math.inf
    if final == "$params":
        final = {"default": float(b.get("value", 0.0)), "params": spec.parameters}
    return Script(
        intermediates=list(b.get("intermediates", [])),
        final=final,
        exit_code=int(b.get("exit_code", 0)),
        stderr=str(b.get("stderr", "")),
        endless=b.get("sleep") == "forever",
        garbage=bool(b.get("garbage", False)),
    )


@dataclass
class _Trial:
    spec: TrialSpec
    script: Script
    steps: Iterator[TrialEvent]
    cancelled: bool = False


class InProcessBackend(Backend):
    """Scripted trials advanced one step per :meth:`events` call; see the module docstring."""

    def __init__(self, handler: Callable[[TrialSpec], Script] = behaviour_script) -> None:
        self.handler = handler
        self.submitted: list[TrialSpec] = []
        self._running: dict[str, _Trial] = {}
        self._ready: deque[TrialEvent] = deque()
        self._external: queue.Queue[TrialEvent] = queue.Queue()

    def submit(self, spec: TrialSpec) -> None:
        script = self.handler(spec)
        self.submitted.append(spec)
        self._running[spec.trial_id] = _Trial(spec, script, script.steps())
        self._ready.append(TrialEvent(STARTED, spec.trial_id))

    def events(self, timeout: float) -> list[TrialEvent]:
        out = list(self._ready)
        self._ready.clear()
        for trial in list(self._running.values()):
            out.append(self._advance(trial))
        if not out:
            try:
                out.append(self._external.get(timeout=max(timeout, 0.0)))
            except queue.Empty:
                return []
        return out

    def _advance(self, trial: _Trial) -> TrialEvent:
        trial_id = trial.spec.trial_id
        step = None if trial.cancelled else next(trial.steps, None)
        if step is None:
            del self._running[trial_id]
            code = -15 if trial.cancelled else trial.script.exit_code
            return TrialEvent(FINISHED, trial_id, exit_code=code, stderr_tail=trial.script.stderr)
        return TrialEvent(step.kind, trial_id, step.record, step.problems)

    def cancel(self, trial_id: str) -> None:
        trial = self._running.get(trial_id)
        if trial is not None:
            trial.cancelled = True

    def close(self) -> None:
        for trial_id in list(self._running):
            self.cancel(trial_id)
        self._running.clear()

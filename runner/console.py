"""What ``nni-annot run`` shows: a live view on a terminal, plain log lines otherwise, and a summary.

Both consoles are loop listeners writing to a text stream given by the CLI.
"""

from __future__ import annotations

import json
import time
from itertools import islice
from typing import Any, TextIO

from nniannot.runner.listener import Listener, Progress
from nniannot.runner.store import FINISHED_STATUSES, SUCCEEDED, TRIAL_STATUSES, Experiment
from nniannot.searchspace import short_names

REDRAW_EVERY = 0.25


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


# How many parameters a one-line listing shows (the rest are counted): a trial of a search space with
# thousands of parameters would otherwise print a line of megabytes. `nni-annot show EXP TRIAL` shows them all.
SHOWN_PARAMS = 32


def format_params(params: dict[str, Any], names: dict[str, str], limit: int | None = None) -> str:
    """``lr=0.01, hidden=64`` with short parameter names where they are unambiguous; past ``limit``
    parameters, the rest are counted (``..., and 10 more``)."""
    items = params.items() if limit is None or len(params) <= limit else islice(params.items(), limit)
    text = ", ".join(f"{names.get(k, k)}={format_value(v)}" for k, v in items)
    if limit is not None and len(params) > limit:
        text += f", and {len(params) - limit:,} more"
    return text


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class PlainConsole(Listener):
    """One line per event, for logs and pipes."""

    def __init__(self, stream: TextIO, search_space: dict[str, Any]) -> None:
        self.stream = stream
        self.names = short_names(list(search_space))
        self.seq: dict[str, int] = {}
        self.best: float | None = None

    def write(self, line: str) -> None:
        self.stream.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
        self.stream.flush()

    def experiment_started(self, progress: Progress, replayed: int, requeued: int) -> None:
        if replayed or requeued:
            self.write(f"resuming: {replayed} finished trial(s) fed to the tuner, {requeued} to run again")

    def trial_started(self, trial_id: str, seq: int, params: dict[str, Any]) -> None:
        self.seq[trial_id] = seq
        self.write(f"trial #{seq} {trial_id} started: {format_params(params, self.names, SHOWN_PARAMS)}")

    def trial_finished(self, trial_id: str, status: str, value: float | None, message: str | None) -> None:
        text = f"trial #{self.seq.get(trial_id, '?')} {trial_id} {status}"
        if value is not None:
            text += f": {format_value(value)}"
        if message:
            text += f" ({message})"
        self.write(text)

    def experiment_finished(self, progress: Progress, status: str, message: str | None) -> None:
        self.write(f"experiment {progress.experiment_id} {status}" + (f": {message}" if message else ""))


class LiveConsole(PlainConsole):
    """A redrawn block under the scrolling log: progress bar, running trials, best so far, time."""

    def __init__(self, stream: TextIO, search_space: dict[str, Any]) -> None:
        super().__init__(stream, search_space)
        self._drawn = 0
        self._last_draw = 0.0
        self._progress: Progress | None = None

    def write(self, line: str) -> None:
        self._clear()
        super().write(line)
        if self._progress is not None:
            self._draw(self._progress)

    def tick(self, progress: Progress) -> None:
        self._progress = progress
        if time.monotonic() - self._last_draw >= REDRAW_EVERY:
            self._clear()
            self._draw(progress)

    def experiment_finished(self, progress: Progress, status: str, message: str | None) -> None:
        self._clear()
        self._progress = None
        super().experiment_finished(progress, status, message)

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def _draw(self, p: Progress) -> None:
        lines = [self._bar(p)]
        for trial_id, latest in list(p.running.items())[:8]:
            shown = "-" if latest is None else format_value(latest)
            lines.append(f"  running #{self.seq.get(trial_id, '?')} {trial_id}  latest {shown}")
        if len(p.running) > 8:
            lines.append(f"  ... and {len(p.running) - 8} more running")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self._drawn = len(lines)
        self._last_draw = time.monotonic()

    @staticmethod
    def _bar(p: Progress, width: int = 30) -> str:
        total = p.max_trials
        filled = int(width * p.done / total) if total else 0
        bar = "#" * min(width, filled) + "-" * (width - min(width, filled))
        best = "-" if p.best_value is None else format_value(p.best_value)
        left = f"  remaining {format_duration(p.remaining)}" if p.remaining is not None else ""
        count = f"{p.done}/{total}" if total else f"{p.done}"
        return f"[{bar}] {count} trials  best {best}  elapsed {format_duration(p.elapsed)}{left}"


def summary(
    exp: Experiment, trials_dir: str, home_option: str | None, outcome: list[str] | None = None
) -> str:
    """The final summary: best value and parameters, counts by status, where results are, the viewer.

    ``outcome``: lines said instead of the best value and parameters (an experiment's Pareto set)."""
    names = short_names(list(exp.search_space))
    counts = ", ".join(f"{n} {s.lower()}" for s, n in exp.counts.items() if n and s in TRIAL_STATUSES)
    lines = [f"experiment {exp.id} ({exp.name}): {exp.status}" + (f" - {exp.message}" if exp.message else "")]
    lines.append(f"  trials: {exp.trial_count} ({counts or 'none'})")
    if outcome is not None:
        lines.extend(outcome)
    elif exp.best_value is not None:
        lines.append(
            f"  best {exp.optimize_mode[:3]}imum: {format_value(exp.best_value)} (trial {exp.best_trial_id})"
        )
        lines.append(f"  best parameters: {format_params(exp.best_params or {}, names, SHOWN_PARAMS)}")
    elif exp.counts.get(SUCCEEDED, 0) == 0 and any(exp.counts.get(s, 0) for s in FINISHED_STATUSES):
        lines.append("  no trial reported a usable final result; see `nni-annot show` for messages")
    home = f" --home {home_option}" if home_option else ""
    lines.append(f"  trial directories: {trials_dir}")
    lines.append(f"  details: nni-annot show {exp.id}{home}    viewer: nni-annot view{home}")
    return "\n".join(lines)

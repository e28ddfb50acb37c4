"""``nni-annot show EXP TRIAL``: one trial's status, parameters, metrics, reason and the ends of its logs.

A trial is named by its id, a unique prefix of one, or its number in the experiment (``3`` or ``#3``).
"""

from __future__ import annotations

import os
from collections import deque

from nniannot.errors import TrialNotFound
from nniannot.runner.console import format_duration, format_params, format_value
from nniannot.runner.store import StoreReader, Trial
from nniannot.runner.store.fields import trial_reason
from nniannot.searchspace import short_names

DEFAULT_LINES = 20


def find_trial(reader: StoreReader, exp_id: str, ref: str) -> Trial:
    """The trial of ``exp_id`` that ``ref`` names; TrialNotFound (listing a few ids) when none or several do."""
    trials = reader.list_trials(exp_id)
    number = ref[1:] if ref.startswith("#") else ref
    if number.isdigit():
        by_seq = [t for t in trials if t.seq == int(number)]
        if by_seq:
            return by_seq[0]
    exact = [t for t in trials if t.id == ref]
    matches = exact or [t for t in trials if t.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    some = ", ".join(t.id for t in (matches or trials)[:5]) or "none"
    what = "several trials" if matches else "no trial"
    raise TrialNotFound(
        f"experiment {exp_id} has {what} matching {ref!r} (a trial id, a prefix of one, or a number); "
        f"{'they' if matches else 'its trials'} include: {some}"
    )


def trial_text(reader: StoreReader, exp_id: str, trial: Trial, lines: int = DEFAULT_LINES) -> str:
    """The report of ``trial``: a block of fields, then the last ``lines`` lines of its stdout and stderr."""
    exp = reader.get_experiment(exp_id)
    names = short_names(list(exp.search_space))
    final = "-" if trial.final is None else format_value(trial.final)
    out = [
        f"trial {trial.id} (#{trial.seq}) of experiment {exp_id}: {trial.status}",
        f"  parameters: {format_params(trial.params, names) or '-'}",
        f"  final result: {final}",
        f"  intermediate results: {trial.intermediate_count}"
        + ("" if trial.last_intermediate is None else f" (last {format_value(trial.last_intermediate)})"),
        f"  duration: {format_duration(trial.duration)}",
        f"  exit code: {'-' if trial.exit_code is None else trial.exit_code}",
    ]
    if trial.message:
        out.append(f"  message: {trial.message}")
    reason = trial_reason(trial)
    if reason and reason != trial.message:
        out.append(f"  reason: {reason}")
    out.append(f"  directory: {trial.dir or '-'}")
    for name in ("stdout", "stderr"):
        out += ["", *_log_tail(trial, name, lines)]
    return "\n".join(out)


def _log_tail(trial: Trial, name: str, lines: int) -> list[str]:
    path = os.path.join(trial.dir, name) if trial.dir else None
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            tail = list(deque((line.rstrip("\n") for line in f), maxlen=lines)) if lines else []
    elif name == "stderr" and trial.stderr_tail:
        # The directory is gone (or on a Dask worker): the store keeps the end of stderr.
        tail = trial.stderr_tail.splitlines()[-lines:] if lines else []
    else:
        return [f"--- {name}: none ---"]
    return [f"--- {name} (last {len(tail)} line(s)) ---", *tail]

"""Managing stored experiments for the CLI: tables, one trial's report, stop, delete, actions for a runner."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from nniannot.errors import ConfigError, RunnerStillRunning
from nniannot.runner.console import SHOWN_PARAMS, format_duration, format_params, format_value, summary
from nniannot.runner.home import Home
from nniannot.runner.paretoset import (
    ParetoSet,
    experiment_pareto,
    multi_objective,
    pareto_set,
    summary_lines,
    values_text,
)
from nniannot.runner.store import (
    EXP_RUNNING,
    FAILED,
    FINISHED_STATUSES,
    STOPPED,
    SUCCEEDED,
    Experiment,
    Store,
    StoreReader,
    open_reader,
    open_store,
    owner_alive,
)
from nniannot.runner.store.fields import trial_reason
from nniannot.searchspace import short_names


def list_table(experiments: list[Experiment], reader: StoreReader | None = None) -> str:
    """A text table: id, name, status, trials done/max, best value, created.

    With ``reader``, an experiment with several objectives (or constraints) shows the size of its Pareto set
    and its hypervolume as BEST (``front 4, hv 0.731``)."""
    if not experiments:
        return "no experiments yet (start one with `nni-annot run train.py`)"
    rows = [("ID", "NAME", "STATUS", "TRIALS", "BEST", "CREATED")]
    for exp in experiments:
        trials = f"{exp.trial_count}/{exp.max_trials}" if exp.max_trials else str(exp.trial_count)
        best = "-" if exp.best_value is None else format_value(exp.best_value)
        objectives = multi_objective(exp) if reader is not None else None
        if objectives is not None and reader is not None:
            pareto = pareto_set(objectives, reader.list_trials(exp.id))
            best = f"front {len(pareto.members)}" + (
                f", hv {pareto.hypervolume:.4g}" if pareto.members and pareto.hypervolume is not None else ""
            )
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(exp.created_at))
        rows.append((exp.id, exp.name[:24], exp.status, trials, best, created))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def show_text(reader: StoreReader, exp_id: str, trials_dir: str, home_option: str | None) -> str:
    """The summary followed by one line per trial (best first); one that did not succeed ends with its reason.

    With several objectives (or constraints) the summary names the Pareto set and its hypervolume, and the
    trials come by dominance rank, each with its objectives' values."""
    exp = reader.get_experiment(exp_id)
    pareto = experiment_pareto(exp, reader)
    if pareto is not None:
        return _pareto_show(reader, exp, pareto, trials_dir, home_option)
    names = short_names(list(exp.search_space))
    lines = [summary(exp, trials_dir, home_option), ""]
    for t in reader.list_trials(exp_id, order_by="best"):
        value = "-" if t.final_default is None else format_value(t.final_default)
        lines.append(_trial_line(t, f"{value:>10}", names))
    return "\n".join(lines)


def _trial_line(t: Any, mark: str, names: dict[str, str], values: str = "") -> str:
    """One trial of ``show``: seq, id, status, ``mark`` (its value or Pareto rank), duration, ``values`` (its
    objectives'), parameters, and why it ended as it did."""
    text = f"  #{t.seq:<4} {t.id}  {t.status:<13} {mark}  {format_duration(t.duration):>7}  {values}"
    text += format_params(t.params, names, SHOWN_PARAMS)
    reason = trial_reason(t)
    return f"{text}  [{reason}]" if reason else text


def _pareto_show(
    reader: StoreReader, exp: Experiment, pareto: ParetoSet, trials_dir: str, home_option: str | None
) -> str:
    names = short_names(list(exp.search_space))
    lines = [summary(exp, trials_dir, home_option, summary_lines(pareto)), ""]
    ranked = pareto.by_trial()
    trials = reader.list_trials(exp.id)
    order = sorted(trials, key=lambda t: (ranked[t.id].rank, t.seq) if t.id in ranked else (1 << 30, t.seq))
    for t in order:
        r = ranked.get(t.id)
        mark = "-" if r is None else ("pareto" if r.member else f"rank {r.rank}")
        values = "" if r is None else values_text(pareto.objectives, r.values) + "  "
        lines.append(_trial_line(t, f"{mark:>8}", names, values))
    return "\n".join(lines)


def pareto_text(reader: StoreReader, exp_id: str) -> str:
    """``show --pareto``: the members of the Pareto set, one per line, with their objectives' values."""
    exp = reader.get_experiment(exp_id)
    objectives = multi_objective(exp)
    if objectives is None:
        raise ConfigError(
            f"experiment {exp_id} has one objective and no constraint: its result is one best trial, not a "
            "Pareto set (see nni-annot show; declare several with --objective KEY:max|min)"
        )
    pareto = pareto_set(objectives, reader.list_trials(exp_id))
    names = short_names(list(exp.search_space))
    members = sorted(pareto.members, key=lambda r: r.values)
    lines = [f"experiment {exp.id}: Pareto set of {len(members)} trial(s) "
             f"({', '.join(o.text() for o in objectives.objectives)})"]  # fmt: skip
    for r in members:
        values = values_text(objectives, r.values)
        lines.append(
            f"  #{r.trial.seq:<4} {r.trial.id}  {values}  {format_params(r.trial.params, names, SHOWN_PARAMS)}"
        )
    if pareto.hypervolume is not None:
        lines.append(f"hypervolume: {pareto.hypervolume:.6g} against the {pareto.reference_text()}")
    return "\n".join(lines)


def _owner_live(exp: Experiment) -> bool:
    return owner_alive(exp.owner_pid, exp.owner_host, exp.heartbeat_at)


def post_if_running(home: Home, ref: str, kind: str, payload: dict[str, Any] | None = None) -> str | None:
    """Post an action if a live runner owns the experiment; returns what was done, or None if not running."""
    with open_reader(home.store_path) as reader:
        exp = reader.get_experiment(reader.resolve(ref))
        if not _owner_live(exp):
            return None
        reader.post_action(exp.id, kind, payload)
    return f"asked the runner of {exp.id} (pid {exp.owner_pid}) to {kind.replace('_', ' ')}"


def stop_experiment(home: Home, ref: str, wait: float) -> str:
    """Ask the owning runner to stop and wait for it; a dead runner's experiment is marked STOPPED."""
    with open_reader(home.store_path) as reader:
        exp = reader.get_experiment(reader.resolve(ref))
        if not _owner_live(exp):
            if exp.status != EXP_RUNNING:
                return f"experiment {exp.id} is not running ({exp.status})"
            store = open_store(home.store_path)
            try:
                store.set_experiment_status(exp.id, STOPPED, "its runner had gone")
            finally:
                store.close()
            return f"experiment {exp.id} had no live runner; marked STOPPED (`nni-annot resume {exp.id}` continues it)"
        reader.post_action(exp.id, "stop_experiment")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if reader.get_experiment(exp.id).status != EXP_RUNNING:
                return f"experiment {exp.id} stopped"
            time.sleep(0.1)
    raise RunnerStillRunning(
        f"experiment {exp.id} did not stop within {wait:g}s (runner pid {exp.owner_pid}); "
        "it may still be stopping its trials"
    )


def delete_experiment(home: Home, exp_id: str) -> str:
    """Remove an experiment's records and directory; refused while a live runner owns it."""
    store = open_store(home.store_path)
    try:
        exp = store.get_experiment(exp_id)
        if _owner_live(exp):
            from nniannot.errors import StoreError

            raise StoreError(f"experiment {exp_id} is running (pid {exp.owner_pid}); stop it first")
        store.delete_experiment(exp_id)
    finally:
        store.close()
    directory = home.experiment_dir(exp_id)
    if os.path.isdir(directory):
        shutil.rmtree(directory, ignore_errors=True)
    return f"deleted experiment {exp_id}"


def no_success_reason(reader: StoreReader, exp_id: str) -> str | None:
    """Why a run in which no trial succeeded failed, naming the first failed (else ended) trial's reason.

    None when a trial succeeded, and when no trial ended (nothing was tried: the experiment's own status
    and message say why).
    """
    if reader.count_trials(exp_id, status=SUCCEEDED):
        return None
    ended = reader.list_trials(exp_id, status=FAILED, limit=1) or reader.list_trials(
        exp_id, status=sorted(FINISHED_STATUSES), limit=1
    )
    if not ended:
        return None
    first = ended[0]
    why = trial_reason(first) or "no reason recorded"
    return f"no trial succeeded; trial #{first.seq} {first.id} {first.status}: {why}"


def drop_if_unstarted(home: Home, store: Store, exp_id: str) -> bool:
    """Remove experiment ``exp_id`` if it has no trial (it failed to start); returns whether it was removed."""
    if store.count_trials(exp_id):
        return False
    store.delete_experiment(exp_id)
    shutil.rmtree(home.experiment_dir(exp_id), ignore_errors=True)
    return True

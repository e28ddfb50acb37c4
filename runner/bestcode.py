"""``nni-annot show EXP --best-code``: a trial's code, specialised to its parameters.

The code comes from the experiment's snapshot (what the trial ran, whatever happened to the files since);
every tuned annotation is replaced by the trial's value (:mod:`nniannot.transformer.codemods`). :func:`best_code_text` gives the annotated files as
one commented text; :func:`write_best_code` writes every file of the snapshot as a runnable tree.
"""

from __future__ import annotations

import os
from typing import Any

from nniannot.errors import ConfigError
from nniannot.launch import parse_argv
from nniannot.runner.store import StoreReader, Trial
from nniannot.snapshot import Snapshot


def _chosen(reader: StoreReader, exp_id: str, trial_id: str | None) -> tuple[Trial, Snapshot]:
    """The trial (the best one unless named) and the snapshot it ran; ConfigError if there is no code."""
    if trial_id is None:
        trial = _best_trial(reader, exp_id)
        if trial is None:
            raise ConfigError(f"experiment {exp_id} has no trial with a final result yet")
    else:
        trial = reader.get_trial(exp_id, trial_id)
    exp = reader.get_experiment(exp_id)
    args = parse_argv(trial.command) or parse_argv(exp.config.get("launch", {}).get("command") or [])
    annotated = exp.config.get("launch", {}).get("annotated")
    if args is None or not annotated:
        raise ConfigError(
            f"experiment {exp_id} did not tune an annotated script, so there is no code to specialise; "
            f"{'its best' if trial_id is None else f'trial {trial.id}'} parameters are {trial.params}"
        )
    return trial, Snapshot.load(args.snapshot)


def _best_trial(reader: StoreReader, exp_id: str) -> Trial | None:
    """The best trial; with constraints the best feasible one; ConfigError naming the Pareto set when the
    experiment has several objectives."""
    from nniannot.runner.paretoset import experiment_pareto

    exp = reader.get_experiment(exp_id)
    pareto = experiment_pareto(exp, reader)
    if pareto is None:
        return reader.best_trial(exp_id)
    if not pareto.objectives.multi:
        sign = pareto.objectives.first.sign
        best = min(pareto.members, key=lambda r: sign * r.values[0], default=None)
        return None if best is None else best.trial
    ids = ", ".join(r.trial.id for r in pareto.members[:10]) + (", ..." if len(pareto.members) > 10 else "")
    raise ConfigError(
        f"experiment {exp_id} has no single best trial: its Pareto set has {len(pareto.members)} "
        f"({ids or 'none yet'}); pick one with --best-code --trial ID (nni-annot show {exp_id} --pareto "
        "lists them)"
    )


def _specialise(snapshot: Snapshot, rel: str, params: dict[str, Any]) -> tuple[str, list[str]]:
    from nniannot.transformer.codemods import specialise_source  # libcst: only for this command

    text = snapshot.original(rel).decode("utf-8")
    result = specialise_source(text, snapshot.files[rel].module, params, rel)
    return result.code, list(result.notes)


def best_code_text(reader: StoreReader, exp_id: str, trial_id: str | None = None) -> str:
    """The commented, specialised source of the annotated files of a trial (the best one by default).

    Raises:
        ConfigError: no finished trial with a result, or the experiment did not tune an annotated script.
        SnapshotError: the experiment's code snapshot is missing or damaged.
    """
    trial, snapshot = _chosen(reader, exp_id, trial_id)
    which = "best trial" if trial_id is None else "trial"
    header = [
        f"# {which} {trial.id} of experiment {exp_id}: {_metric(trial.final)}",
        "# the annotated code with the trial's values in place of its annotations",
    ]
    annotated = [rel for rel, entry in snapshot.files.items() if entry.rewritten is not None]
    if any(_changed_since(snapshot, rel) for rel in snapshot.files):
        header.append("# note: the files have changed since the experiment started; this is the code it ran")
    parts = ["\n".join(header) + "\n"]
    for rel in annotated:
        code, notes = _specialise(snapshot, rel, trial.params)
        title = f"# ---- {rel} ----\n" if len(annotated) > 1 else ""
        parts.append(title + "".join(f"# note: {n}\n" for n in notes) + code)
    return "\n".join(parts)


def write_best_code(reader: StoreReader, exp_id: str, out_dir: str, trial_id: str | None = None) -> list[str]:
    """Write every file of the trial's snapshot below ``out_dir``, annotated ones specialised; the paths written.

    Nothing is overwritten: ConfigError if any of the files already exists (and then nothing is written).
    """
    trial, snapshot = _chosen(reader, exp_id, trial_id)
    targets = {rel: os.path.join(out_dir, *rel.split("/")) for rel in snapshot.files}
    existing = [path for path in targets.values() if os.path.lexists(path)]
    if existing:
        raise ConfigError(
            f"{existing[0]} already exists; give -o a new or empty folder (nothing was written)"
        )
    contents = {}
    for rel, entry in snapshot.files.items():
        if entry.rewritten is None:
            contents[rel] = snapshot.original(rel)
        else:
            contents[rel] = _specialise(snapshot, rel, trial.params)[0].encode("utf-8")
    for rel, data in contents.items():
        os.makedirs(os.path.dirname(targets[rel]), exist_ok=True)
        with open(targets[rel], "xb") as f:
            f.write(data)
    return list(targets.values())


def _changed_since(snapshot: Snapshot, rel: str) -> bool:
    try:
        with open(os.path.join(snapshot.code_dir, *rel.split("/")), "rb") as f:
            return f.read() != snapshot.original(rel)
    except OSError:
        return True


def _metric(final: Any) -> str:
    if isinstance(final, dict):
        return ", ".join(f"{k} = {v}" for k, v in final.items())
    return f"default = {final}"

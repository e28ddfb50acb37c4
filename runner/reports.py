"""The stable JSON documents of ``list --json`` / ``show --json``, exports (CSV, JSON) and imports.

The shapes here are documented in docs/cli.md; other tools read them, so fields are only ever added.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from nniannot.errors import ConfigError, ProtocolError
from nniannot.objectives import from_config
from nniannot.protocol import Metric, check_metric, check_reportable
from nniannot.runner.paretoset import ParetoSet, Ranked, experiment_pareto, multi_objective, pareto_set
from nniannot.runner.store import SUCCEEDED, Experiment, Store, StoreReader, Trial, metric_keys
from nniannot.runner.store.fields import pick, trial_fields
from nniannot.searchspace import SearchSpace

FORMAT_VERSION = 1


def experiment_json(exp: Experiment) -> dict[str, Any]:
    best = None
    if exp.best_value is not None:
        best = {"value": exp.best_value, "trial_id": exp.best_trial_id, "params": exp.best_params}
    return {
        "id": exp.id,
        "name": exp.name,
        "status": exp.status,
        "message": exp.message,
        "created_at": exp.created_at,
        "started_at": exp.started_at,
        "ended_at": exp.ended_at,
        "optimize_mode": exp.optimize_mode,
        "tuner": exp.tuner,
        "assessor": exp.assessor,
        "max_trials": exp.max_trials,
        "max_duration": exp.max_duration,
        "concurrency": exp.concurrency,
        "trial_count": exp.trial_count,
        "trial_counts": exp.counts,
        "best": best,
    }


TRIAL_KEYS = ("id", "seq", "status", "params", "final", "final_default", "intermediate_count", "exit_code",
              "message", "reason", "started_at", "ended_at", "duration", "dir")  # fmt: skip


def trial_json(trial: Trial) -> dict[str, Any]:
    """A trial in ``show --json`` and JSON exports (docs/cli.md); ``reason`` says why it did not succeed."""
    return pick(trial_fields(trial), TRIAL_KEYS)


def list_document(reader: StoreReader) -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "experiments": [experiment_json(e) for e in reader.list_experiments()]}


def show_document(reader: StoreReader, exp_id: str, intermediate: bool = False) -> dict[str, Any]:
    exp = reader.get_experiment(exp_id)
    doc = {"version": FORMAT_VERSION, **experiment_json(exp), "search_space": exp.search_space}
    doc["command"] = exp.command
    curves = reader.curves(exp_id) if intermediate else {}
    trials = []
    for trial in reader.list_trials(exp_id):
        item = trial_json(trial)
        if intermediate:
            item["intermediate"] = curves.get(trial.id, [])
        trials.append(item)
    doc["trials"] = trials
    pareto = experiment_pareto(exp, reader)
    if pareto is not None:  # several objectives or constraints: each trial's standing, and the set
        doc.update(_pareto_fields(pareto))
        ranked = pareto.by_trial()
        for item in trials:
            item["objectives"] = _standing(ranked.get(item["id"]), pareto)
    return doc


def pareto_document(reader: StoreReader, exp_id: str) -> dict[str, Any]:
    """``show --pareto --json``: the objectives, the reference point, the hypervolume and the members."""
    exp = reader.get_experiment(exp_id)
    pareto = experiment_pareto(exp, reader)
    if pareto is None:
        raise ConfigError(f"experiment {exp_id} has one objective and no constraint: it has no Pareto set")
    doc = {"version": FORMAT_VERSION, "id": exp.id, **_pareto_fields(pareto)}
    doc["members"] = [{**trial_json(r.trial), "objectives": _standing(r, pareto)} for r in pareto.members]
    return doc


def _pareto_fields(pareto: ParetoSet) -> dict[str, Any]:
    return {
        **pareto.objectives.to_config(),
        "pareto": {
            "trial_ids": [r.trial.id for r in pareto.members],
            "hypervolume": pareto.hypervolume,
            "reference_point": list(pareto.reference) if pareto.reference is not None else None,
            "reference_point_derived": pareto.derived,
        },
    }


def _standing(ranked: Ranked | None, pareto: ParetoSet) -> dict[str, Any] | None:
    """A trial's objective values, feasibility and dominance rank (None: no usable final result)."""
    if ranked is None:
        return None
    return {
        "values": dict(zip(pareto.objectives.keys, ranked.values, strict=True)),
        "feasible": ranked.feasible,
        "violation": ranked.violation,
        "rank": ranked.rank,
        "pareto": ranked.member,
    }


def export_csv(reader: StoreReader, exp_id: str, intermediate: bool = False) -> str:
    """One row per trial: id, seq, status, final value, duration, one column per parameter (full keys), then
    one ``metric.<key>`` column per key of the dict final metrics (other than ``default``, which is ``final``).

    With several objectives (or constraints), then ``feasible``, ``rank`` (dominance rank; 0 is the Pareto
    front) and ``pareto`` (1 for a member of the Pareto set), empty for a trial with no usable result."""
    exp = reader.get_experiment(exp_id)
    keys = list(exp.search_space)
    trials = reader.list_trials(exp_id)
    extra = sorted({k for t in trials for k in t.params} - set(keys))
    metrics = [k for k in metric_keys(reader, exp_id) if k != "default"]
    curves = reader.curves(exp_id) if intermediate else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = [
        "trial_id",
        "seq",
        "status",
        "final",
        "duration",
        *keys,
        *extra,
        *(f"metric.{k}" for k in metrics),
    ]
    objectives = multi_objective(exp)
    pareto = pareto_set(objectives, trials) if objectives is not None else None
    ranked = pareto.by_trial() if pareto is not None else {}
    if pareto is not None:
        head += ["feasible", "rank", "pareto"]
    writer.writerow([*head, "intermediate"] if intermediate else head)
    for t in trials:
        params = [_cell(t.params.get(k)) for k in (*keys, *extra)]
        final = t.final if isinstance(t.final, dict) else {}
        row = [t.id, t.seq, t.status, _cell(t.final_default), _cell(t.duration), *params]
        row += [_cell(final.get(k)) for k in metrics]
        if pareto is not None:
            r = ranked.get(t.id)
            row += ["", "", ""] if r is None else [int(r.feasible), r.rank, int(r.member)]
        writer.writerow([*row, json.dumps(curves.get(t.id, []))] if intermediate else row)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def parse_import(text: str, where: str) -> list[tuple[dict[str, Any], Any]]:
    """(params, metric) pairs from NNI's export (a list of {"parameter", "value"}) or ours ({"trials"})."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where} is not valid JSON: {exc}") from None
    items = data.get("trials") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConfigError(f"{where}: expected a list of trials or an object with `trials`")
    pairs = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: item {i} is not an object")
        params = item.get("parameter", item.get("params"))
        value = item.get("value", item.get("final"))
        if isinstance(value, str):
            try:
                value = json.loads(value)  # NNI exports the metric as a JSON string
            except ValueError:
                pass
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: item {i} has no `parameter` object")
        if value is None:
            continue  # an unfinished trial in an export: nothing to learn from
        pairs.append((params, value))
    return pairs


def _imported_metric(value: Any, config: dict[str, Any]) -> Metric:
    """An imported result checked as a trial's final result is: by the objectives' keys if declared."""
    objectives = from_config(config)
    if objectives is None:
        return check_metric(value)
    check_reportable(value, None)
    evaluation = objectives.evaluate(value)
    if evaluation.problem is not None:
        raise ProtocolError(evaluation.problem)
    return Metric(evaluation.values[0], value)


def import_trials(store: Store, exp_id: str, pairs: list[tuple[dict[str, Any], Any]], where: str) -> int:
    """Record imported results as SUCCEEDED trials (fed to the tuner on the next run/resume)."""
    exp = store.get_experiment(exp_id)
    space = SearchSpace.from_json(exp.search_space)
    checked = []
    for i, (params, value) in enumerate(pairs):
        try:
            metric = _imported_metric(value, exp.config)
        except ProtocolError as exc:
            raise ConfigError(f"{where}: item {i}: {exc}") from None
        space.check({k: v for k, v in params.items() if k != "TRIAL_BUDGET"})
        checked.append((params, metric))
    for params, metric in checked:
        trial = store.add_trial(exp_id, params, revision=exp.revision)
        store.update_trial(exp_id, trial.id, message="imported")
        if math.isfinite(metric.default):
            store.set_final(exp_id, trial.id, metric.default, metric.whole)
        store.set_trial_status(exp_id, trial.id, SUCCEEDED, message="imported")
    return len(checked)

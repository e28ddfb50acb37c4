"""The read-only JSON API under ``/api/`` (see docs/api.md). Actions live in :mod:`nniannot.viewer.api_actions`."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file

from nniannot.errors import StoreError
from nniannot.runner.store import (
    intermediate_summary,
    metric_keys,
    query_trials,
    trial_ids,
    trial_params,
    trial_points,
)
from nniannot.viewer import analysis, front, nasweights, serialize, tablequery
from nniannot.viewer.architecture import architecture
from nniannot.viewer.cache import cached
from nniannot.viewer.db import get_trial, reader
from nniannot.viewer.diff import code_diff
from nniannot.viewer.logs import read_tail, resolve_log

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_CHANGED_INTERMEDIATES = 5000


def _exp_id(ref: str) -> str:
    return reader().resolve(ref)


@bp.get("/experiments")
def experiments() -> Any:
    return jsonify({"experiments": [serialize.experiment_summary(e) for e in reader().list_experiments()]})


@bp.get("/experiments/<ref>")
def experiment(ref: str) -> Any:
    exp = reader().get_experiment(_exp_id(ref))
    keys = cached(("metric_keys", exp.id, exp.change_seq), lambda: metric_keys(reader(), exp.id))
    return jsonify(serialize.experiment_detail(exp, keys))


@bp.get("/experiments/<ref>/best")
def best(ref: str) -> Any:
    k = tablequery.int_arg(request.args, "k", 10, 1, 1000)
    trials = reader().list_trials(_exp_id(ref), order_by="best", limit=k)
    return jsonify({"trials": [serialize.trial_row(t) for t in trials if t.final_default is not None]})


def _table(ref: str, everything: bool) -> tuple[Any, list[dict[str, Any]], list[str], dict[str, str], int]:
    exp = reader().get_experiment(_exp_id(ref))
    found = pareto_front(exp)
    ranks = found.rank_of() if found is not None else None
    query = tablequery.parse_query(request.args, everything=everything, ranks=ranks)
    try:
        page = query_trials(reader(), exp.id, query)
    except StoreError as exc:  # a bad sort key or status in the URL
        raise tablequery.BadQuery(str(exc)) from None
    shorts = {c["key"]: c["short"] for c in serialize.param_columns(exp.search_space)}
    keys = found.objectives.keys if found is not None else ()
    cols = tablequery.columns(request.args, list(shorts), keys)
    rows = [serialize.trial_row(t) for t in page.trials]
    if found is not None:
        feasible = {found.seqs[i]: found.reasons[i] for i in range(len(found.seqs))}
        for row in rows:  # the dominance rank, and why an infeasible trial is so
            row["rank"] = ranks.get(row["seq"]) if ranks else None
            row["infeasible"] = feasible.get(row["seq"])
    return exp, rows, cols, shorts, page.total


@bp.get("/experiments/<ref>/trials")
def trials(ref: str) -> Any:
    exp, rows, cols, _shorts, total = _table(ref, everything=False)
    query = tablequery.parse_query(request.args)
    return jsonify({"total": total, "offset": query.offset, "limit": query.limit, "columns": cols,
                    "change_seq": exp.change_seq, "trials": rows})  # fmt: skip


@bp.get("/experiments/<ref>/trials.csv")
def trials_csv(ref: str) -> Response:
    exp, rows, cols, shorts, _ = _table(ref, everything=True)
    return Response(
        tablequery.to_csv(rows, cols, shorts),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{exp.id}-trials.csv"'},
    )


@bp.get("/experiments/<ref>/trials.json")
def trials_json(ref: str) -> Response:
    exp, rows, cols, shorts, _ = _table(ref, everything=True)
    response = jsonify(tablequery.to_json_rows(rows, cols, shorts))
    response.headers["Content-Disposition"] = f'attachment; filename="{exp.id}-trials.json"'
    return response


@bp.get("/experiments/<ref>/trials/<trial_id>")
def trial(ref: str, trial_id: str) -> Any:
    exp_id = _exp_id(ref)
    found = get_trial(exp_id, trial_id)
    return jsonify({
        **serialize.trial_detail(found),
        "intermediates": [{"seq": i.seq, "default": i.default, "value": i.value}
                          for i in reader().intermediates(exp_id, trial_id)],
        "history": [{"status": h.status, "at": h.at, "message": h.message}
                    for h in reader().status_history(exp_id, trial_id)],
    })  # fmt: skip


@bp.get("/experiments/<ref>/trials/<trial_id>/log/<path:name>")
def log(ref: str, trial_id: str, name: str) -> Response:
    found = get_trial(_exp_id(ref), trial_id)
    path = resolve_log(found.dir, name)
    if request.args.get("download") == "1":  # the whole file, streamed from disk
        return send_file(
            path, mimetype="text/plain", as_attachment=True, download_name=f"{trial_id}-{path.name}"
        )
    cap = int(current_app.config["LOG_CAP"])
    tail = request.args.get("tail", "65536")
    text = read_tail(path, cap if tail == "all" else tablequery.int_arg(request.args, "tail", 65536, 1, cap))
    response = Response(text.text, mimetype="text/plain")
    response.headers["X-Log-Truncated"] = "1" if text.truncated else "0"
    response.headers["X-Log-Size"] = str(text.size)
    return response


@bp.get("/experiments/<ref>/trials/<trial_id>/architecture")
def trial_architecture(ref: str, trial_id: str) -> Any:
    """A one-shot trial's architecture weights and their history (``{"nas": null}`` for a classic trial)."""
    found = get_trial(_exp_id(ref), trial_id)
    return jsonify({"trial_id": found.id, "nas": nasweights.read(found.dir, found.params)})


@bp.get("/experiments/<ref>/trials/<trial_id>/diff")
def diff(ref: str, trial_id: str) -> Any:
    return jsonify(code_diff(get_trial(_exp_id(ref), trial_id).command))


@bp.get("/experiments/<ref>/changes")
def changes(ref: str) -> Any:
    since = tablequery.int_arg(request.args, "since", 0, 0, 1 << 62)
    found = reader().changes_since(_exp_id(ref), since)
    inter = found.intermediates
    return jsonify({
        "change_seq": found.change_seq,
        "experiment": serialize.experiment_summary(found.experiment),
        "trials": [serialize.trial_row(t) for t in found.trials],
        "intermediates": [[i.trial_id, i.seq, i.default] for i in inter[-MAX_CHANGED_INTERMEDIATES:]],
        "intermediates_truncated": len(inter) > MAX_CHANGED_INTERMEDIATES,
    })  # fmt: skip


@bp.get("/experiments/<ref>/charts")
def charts(ref: str) -> Any:
    exp = reader().get_experiment(_exp_id(ref))
    limit = int(current_app.config["CHART_POINTS"])
    return jsonify(cached(("charts", exp.id, exp.change_seq, limit), lambda: _chart_data(exp, limit)))


def _chart_data(exp: Any, limit: int) -> dict[str, Any]:
    points = trial_points(reader(), exp.id, decode=False)
    shown = analysis.sample(points, limit, exp.optimize_mode)
    with_metric = analysis.rated(points)
    rated = analysis.even_sample(with_metric, analysis.IMPORTANCE_TRIALS)
    # Only the charted sample and the importance sample need their parameters decoded.
    params = trial_params(reader(), exp.id, sorted({p.seq for p in shown} | {p.seq for p in rated}))
    shown, rated = analysis.with_params(shown, params), analysis.with_params(rated, params)
    axes = analysis.axes_of(serialize.param_columns(exp.search_space))
    return {
        "total": len(points),
        "sampled": len(shown) < len(points),
        "optimize_mode": exp.optimize_mode,
        "change_seq": exp.change_seq,
        "axes": [{**a, "values": analysis.axis_values(shown, a)} for a in axes],
        "trials": {
            "id": [p.id for p in shown], "seq": [p.seq for p in shown], "status": [p.status for p in shown],
            "value": [p.final_default for p in shown],
            "duration": [None if p.started_at is None or p.ended_at is None else p.ended_at - p.started_at
                         for p in shown],
            "started": [p.started_at for p in shown], "ended": [p.ended_at for p in shown],
            "intermediates": [p.intermediate_count for p in shown],
        },
        "best_history": analysis.best_history(points, exp.optimize_mode),
        "last_finished": analysis.last_finished(points),
        "importance": {**analysis.importance(rated, axes), "of": len(with_metric)},
    }  # fmt: skip


def pareto_front(exp: Any) -> front.Front | None:
    """The Pareto view of a multi-objective experiment (cached per change), None for one objective."""
    objectives = front.objectives_of(exp.config)
    if objectives is None:
        return None

    def compute() -> front.Front:
        return front.front(objectives, trial_points(reader(), exp.id, decode=False, with_final=True))

    return cached(("front", exp.id, exp.change_seq), compute)


@bp.get("/experiments/<ref>/pareto")
def pareto(ref: str) -> Any:
    """Objective values, ranks, the Pareto set and the hypervolume (``{"objectives": null}`` for one objective)."""
    exp = reader().get_experiment(_exp_id(ref))
    found = pareto_front(exp)
    if found is None:
        return jsonify({"objectives": None})
    limit = int(current_app.config["CHART_POINTS"])
    return jsonify(cached(("pareto", exp.id, exp.change_seq, limit), lambda: front.to_json(found, limit)))


@bp.get("/experiments/<ref>/history")
def history(ref: str) -> Any:
    exp = reader().get_experiment(_exp_id(ref))
    limit = int(current_app.config["CHART_POINTS"])

    def compute() -> dict[str, Any]:
        points = trial_points(reader(), exp.id, decode=False)
        return {
            "total": len(points),
            "best_history": analysis.best_history(points, exp.optimize_mode),
            "last_finished": analysis.last_finished(points),
            "points": analysis.metric_points(points, limit),
        }

    return jsonify(cached(("history", exp.id, exp.change_seq, limit), compute))


@bp.get("/experiments/<ref>/curves")
def curves(ref: str) -> Any:
    exp = reader().get_experiment(_exp_id(ref))
    wanted = [t for t in request.args.get("trials", "").split(",") if t]
    limit = int(current_app.config["CURVE_TRIALS"])
    if wanted:
        chosen = wanted[: limit * 4]
    else:
        chosen = [t.id for t in reader().list_trials(exp.id, order_by="best", limit=limit)]
    summary, sampled = cached(("band", exp.id, exp.change_seq), lambda: _band(exp.id))
    return jsonify({
        "curves": reader().curves(exp.id, chosen),
        "selected": bool(wanted),
        "summary": summary,
        "summary_sampled": sampled,
    })  # fmt: skip


def _band(exp_id: str) -> tuple[list[list[Any]], bool]:
    """Min/mean/max per step over every trial, or over an even sample of a big experiment's trials."""
    limit = int(current_app.config["CHART_POINTS"])
    every = trial_ids(reader(), exp_id)
    ids = None
    if len(every) > limit:
        step = len(every) / limit
        ids = [every[int(i * step)] for i in range(limit)]
    summary = intermediate_summary(reader(), exp_id, ids)
    return [[s.step, s.count, s.low, s.mean, s.high] for s in summary], ids is not None


@bp.get("/experiments/<ref>/architecture")
def arch(ref: str) -> Any:
    exp = reader().get_experiment(_exp_id(ref))
    top = tablequery.int_arg(request.args, "top", 20, 1, 100) / 100
    has_blocks = any(
        isinstance(s, dict) and s.get("_type") == "mutable_layer" for s in exp.search_space.values()
    )
    points = trial_points(reader(), exp.id) if has_blocks else []  # no blocks: no trial to read
    wiring = exp.config.get("architecture") if isinstance(exp.config, dict) else None
    found = architecture(exp.search_space, points, exp.optimize_mode, top, wiring)
    found["nas"] = None
    if found["best"] is not None:  # a one-shot search: the best trial's weights drawn on its graph
        best_trial = get_trial(exp.id, found["best"]["trial_id"])
        found["nas"] = nasweights.read(best_trial.dir, best_trial.params)
    return jsonify(found)


COMPARE_EXPERIMENTS = (2, 5)


@bp.get("/compare")
def compare_experiments() -> Any:
    """Best-so-far curves (against trial number and against time) and the best trials of 2-5 experiments."""
    refs = [r for r in request.args.get("experiments", "").split(",") if r]
    low, high = COMPARE_EXPERIMENTS
    if not low <= len(refs) <= high:
        raise tablequery.BadQuery(f"choose {low} to {high} experiments to compare (got {len(refs)})")
    out = []
    for ref in refs:
        exp = reader().get_experiment(_exp_id(ref))
        out.append(cached(("compare", exp.id, exp.change_seq), functools.partial(_compared, exp)))
    return jsonify({"experiments": out})


def _compared(exp: Any) -> dict[str, Any]:
    points = trial_points(reader(), exp.id, decode=False)
    best = reader().list_trials(exp.id, order_by="best", limit=5)
    return {
        **serialize.experiment_summary(exp),
        "best_history": analysis.best_history(points, exp.optimize_mode),
        "best_over_time": analysis.best_over_time(points, exp.optimize_mode, exp.started_at),
        "last_finished": analysis.last_finished(points),
        "best_trials": [serialize.trial_row(t) for t in best if t.final_default is not None],
    }


@bp.get("/experiments/<ref>/actions")
def actions(ref: str) -> Any:
    found = reader().actions(_exp_id(ref))
    return jsonify({"actions": [{"id": a.id, "kind": a.kind, "payload": a.payload, "created_at": a.created_at,
                                 "applied_at": a.applied_at, "result": a.result} for a in found]})  # fmt: skip


@bp.route("/<path:rest>")
def not_found(rest: str) -> Any:
    abort(404, description=f"no API endpoint /api/{rest}")

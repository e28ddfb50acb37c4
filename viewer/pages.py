"""The HTML pages. Each renders what it can on the server and leaves tables and charts to its script,
which reads the JSON API; page state (filters, sort, page, selection) lives in the URL query."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from nniannot.runner.store import metric_keys, revisions, trial_params
from nniannot.runner.store.fields import trial_reason
from nniannot.viewer import front, serialize, tablequery
from nniannot.viewer.api import pareto_front
from nniannot.viewer.cache import cached
from nniannot.viewer.db import get_trial, reader
from nniannot.viewer.filters import number
from nniannot.viewer.filters import param as param_text
from nniannot.viewer.revisions import group_revisions

bp = Blueprint("pages", __name__)


def _experiment(ref: str) -> Any:
    return reader().get_experiment(reader().resolve(ref))


def _page(template: str, exp: Any, **context: Any) -> str:
    has_arch = any(
        isinstance(s, dict) and s.get("_type") == "mutable_layer" for s in exp.search_space.values()
    )
    objectives = front.objectives_of(exp.config)
    return render_template(
        template, exp=exp, summary=serialize.experiment_summary(exp), has_arch=has_arch,
        objectives=objectives, **context
    )  # fmt: skip


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every non-HTML page (JSON, logs)."""
    return current_app.send_static_file("favicon.svg")


@bp.get("/")
def experiments() -> str:
    rows = group_revisions([serialize.experiment_summary(e) for e in reader().list_experiments()])
    return render_template("experiments.html", experiments=rows, store_path=reader().path)


@bp.get("/experiments/<ref>")
def overview(ref: str) -> str:
    exp = _experiment(ref)
    k = tablequery.int_arg(request.args, "k", 5, 1, 100)
    best = [t for t in reader().list_trials(exp.id, order_by="best", limit=k) if t.final_default is not None]
    chain = revisions(reader(), exp.id)
    return _page(
        "overview.html",
        exp,
        k=k,
        best=best,
        pareto=_pareto_set(exp),
        revisions=chain if len(chain) > 1 else [],
        columns=serialize.param_columns(exp.search_space),
        note=reader().note(exp.id),
        tab="overview",
    )


def _pareto_set(exp: Any) -> dict[str, Any] | None:
    """The overview's Pareto set: its members (objective values and parameters), the hypervolume and
    its reference point (None for a single-objective experiment)."""
    found = pareto_front(exp)
    if found is None:
        return None
    members = sorted(found.members, key=lambda i: found.values[i])
    params = trial_params(reader(), exp.id, [found.seqs[i] for i in members])
    return {
        "objectives": found.objectives.objectives,
        "members": [{"id": found.ids[i], "seq": found.seqs[i], "values": found.values[i],
                     "params": params.get(found.seqs[i], {})} for i in members],
        "hypervolume": found.hypervolume,
        "reference": found.reference,
        "reference_given": found.reference_given,
        "infeasible": sum(1 for v in found.violations if v > 0),
        "problems": len(found.problems),
    }  # fmt: skip


@bp.get("/experiments/<ref>/trials")
def trials(ref: str) -> str:
    exp = _experiment(ref)
    return _page(
        "trials.html",
        exp,
        columns=serialize.param_columns(exp.search_space),
        metric_keys=[
            k
            for k in cached(("metric_keys", exp.id, exp.change_seq), lambda: metric_keys(reader(), exp.id))
            if k != "default"
        ],
        statuses=list(exp.counts),
        tab="trials",
    )


@bp.get("/experiments/<ref>/charts")
def charts(ref: str) -> str:
    return _page("charts.html", _experiment(ref), tab="charts")


@bp.get("/experiments/<ref>/architecture")
def architecture(ref: str) -> str:
    return _page("architecture.html", _experiment(ref), tab="architecture")


@bp.get("/experiments/<ref>/trials/<trial_id>")
def trial(ref: str, trial_id: str) -> str:
    exp = _experiment(ref)
    found = get_trial(exp.id, trial_id)
    shorts = {c["key"]: c["short"] for c in serialize.param_columns(exp.search_space)}
    return _page(
        "trial.html",
        exp,
        trial=found,
        reason=trial_reason(found),
        shorts=shorts,
        note=reader().note(exp.id, found.id),
        tab="trials",
    )


@bp.get("/experiments/<ref>/add")
def add_trial(ref: str) -> str:
    exp = _experiment(ref)
    source = request.args.get("from")
    start = get_trial(exp.id, source).params if source else (exp.best_params or {})
    return _page(
        "add.html",
        exp,
        columns=serialize.param_columns(exp.search_space),
        start=start,
        source=source,
        tab="trials",
    )


COMPARE_MIN, COMPARE_MAX = 2, 10


@bp.get("/experiments/<ref>/compare")
def compare(ref: str) -> str:
    """Chosen trials side by side: parameters (rows that differ are marked), metrics, curves with a legend."""
    exp = _experiment(ref)
    ids = list(dict.fromkeys(t for t in request.args.get("trials", "").split(",") if t))
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        abort(400, description=f"choose {COMPARE_MIN} to {COMPARE_MAX} trials to compare (got {len(ids)})")
    chosen = [get_trial(exp.id, t) for t in ids]
    columns = serialize.param_columns(exp.search_space)
    known = {c["key"] for c in columns}
    extra = sorted({k for t in chosen for k in t.params if k not in known})
    params = []
    for key, short in [(c["key"], c["short"]) for c in columns] + [(k, k) for k in extra]:
        shown = [param_text(t.params.get(key)) if key in t.params else "—" for t in chosen]
        params.append({"key": key, "short": short, "cells": shown, "differs": len(set(shown)) > 1})
    metric_names = sorted({k for t in chosen if isinstance(t.final, dict) for k in t.final if k != "default"})
    metrics = []
    for name in metric_names:
        shown = [_metric(t.final, name) for t in chosen]
        metrics.append({"name": name, "cells": shown, "differs": len(set(shown)) > 1})
    return _page("compare.html", exp, trials=chosen, params=params, metrics=metrics, ids=ids, tab="trials")


def _metric(final: Any, name: str) -> str:
    return number(final.get(name)) if isinstance(final, dict) and name in final else "—"


def _spec_text(spec: Any) -> str:
    if isinstance(spec, dict) and "_type" in spec:
        return f"{spec['_type']} {number(spec.get('_value'))}"
    return number(spec)


@bp.get("/compare")
def compare_experiments() -> str:
    """2-5 experiments side by side: best so far on one chart, search spaces diffed, best trials (the
    charts and tables of trials come from /api/compare)."""
    refs = list(dict.fromkeys(r for r in request.args.get("experiments", "").split(",") if r))
    if not 2 <= len(refs) <= 5:
        abort(400, description=f"choose 2 to 5 experiments to compare (got {len(refs)})")
    exps = [_experiment(r) for r in refs]
    keys = list(dict.fromkeys(k for e in exps for k in e.search_space))
    shorts = {c["key"]: c["short"] for e in exps for c in serialize.param_columns(e.search_space)}
    space = []
    for key in keys:
        cells = [_spec_text(e.search_space[key]) if key in e.search_space else "—" for e in exps]
        space.append(
            {"key": key, "short": shorts.get(key, key), "cells": cells, "differs": len(set(cells)) > 1}
        )
    settings = []
    for label, pick in (("tuner", lambda e: e.tuner or ""), ("assessor", lambda e: e.assessor or ""),
                        ("optimize", lambda e: e.optimize_mode), ("max trials", lambda e: number(e.max_trials)),
                        ("command", lambda e: " ".join(e.command or []))):  # fmt: skip
        cells = [pick(e) for e in exps]
        settings.append({"label": label, "cells": cells, "differs": len(set(cells)) > 1})
    return render_template(
        "compare_experiments.html", exps=exps, space=space, settings=settings, refs=[e.id for e in exps]
    )

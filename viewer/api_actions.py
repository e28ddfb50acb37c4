"""State-changing API: actions for the runner that owns an experiment, and deleting an experiment.

Every route here is POST and needs the page's CSRF token (checked in :mod:`nniannot.viewer.security`). Actions are
rows in the store's ``actions`` table; the owning runner applies them within a fraction of a second and
records a result, which ``GET /api/experiments/<id>/actions`` shows.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from nniannot.errors import StoreError
from nniannot.runner.store import FAILED, open_store
from nniannot.viewer.db import get_trial, reader
from nniannot.viewer.serialize import is_live

bp = Blueprint("actions", __name__, url_prefix="/api")
LIMIT_KEYS = ("max_trials", "max_duration", "concurrency")
NOTE_LIMIT = 20_000  # characters of one note


class ActionRefused(StoreError):
    """The request is well formed but cannot be done now (answered with 409)."""


def _payload(kind: str, body: dict[str, Any], exp_id: str) -> tuple[str, dict[str, Any]]:
    """The store action for a request: ``rerun_trial`` becomes ``add_trial`` with that trial's params."""
    payload = body.get("payload") or {}
    if not isinstance(payload, dict):
        raise ActionRefused("payload must be a JSON object")
    if kind == "kill_trial":
        return kind, {"trial_id": str(payload.get("trial_id", ""))}
    if kind == "rerun_trial":
        trial = get_trial(exp_id, str(payload.get("trial_id", "")))
        if trial.status != FAILED:
            raise ActionRefused(f"trial {trial.id} did not fail ({trial.status}); only failed trials re-run")
        return "add_trial", {"params": trial.params}
    if kind == "add_trial":
        if not isinstance(payload.get("params"), dict):
            raise ActionRefused('add_trial needs {"params": {...}}')
        return kind, {"params": payload["params"]}
    if kind == "update_limits":
        limits = {k: payload[k] for k in LIMIT_KEYS if k in payload}
        if not limits:
            raise ActionRefused(f"update_limits needs one of {', '.join(LIMIT_KEYS)}")
        return kind, limits
    if kind in ("stop_experiment", "rerun_failed"):
        return kind, {}
    raise ActionRefused(f"unknown action {kind!r}")


@bp.post("/experiments/<ref>/actions")
def post_action(ref: str) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        return jsonify({"error": 'send JSON {"kind": ..., "payload": {...}}'}), 400
    exp = reader().get_experiment(reader().resolve(ref))
    if not is_live(exp):
        raise ActionRefused(
            f"experiment {exp.id} is not running ({exp.status}); continue it with `nni-annot resume {exp.id}`"
        )
    kind, payload = _payload(body["kind"], body, exp.id)
    action_id = reader().post_action(exp.id, kind, payload)
    return jsonify({"action_id": action_id, "kind": kind, "payload": payload}), 202


@bp.post("/experiments/<ref>/delete")
def delete(ref: str) -> Any:
    exp = reader().get_experiment(reader().resolve(ref))
    if is_live(exp):
        raise ActionRefused(f"experiment {exp.id} is running; stop it first")
    store = open_store(current_app.config["STORE_PATH"])
    try:
        store.delete_experiment(exp.id)
    finally:
        store.close()
    home = Path(current_app.config["STORE_PATH"]).parent.resolve()
    directory = (home / "experiments" / exp.id).resolve()
    if (
        directory.is_relative_to(home / "experiments")
        and directory.is_dir()
        and not os.path.islink(directory)
    ):
        shutil.rmtree(directory, ignore_errors=True)
    return jsonify({"deleted": exp.id})


@bp.post("/experiments/<ref>/notes")
def save_note(ref: str) -> Any:
    """Keep a markdown note on the experiment or (``trial_id``) one of its trials; empty text removes it.

    Notes are not results: they can be written whether or not a runner owns the experiment.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return jsonify({"error": 'send JSON {"text": "...", "trial_id": "..." (optional)}'}), 400
    text, trial_id = body["text"], body.get("trial_id")
    if len(text) > NOTE_LIMIT:
        raise ActionRefused(f"a note has at most {NOTE_LIMIT} characters (this one has {len(text)})")
    exp = reader().get_experiment(reader().resolve(ref))
    if trial_id is not None:
        trial_id = get_trial(exp.id, str(trial_id)).id
    store = open_store(current_app.config["STORE_PATH"])
    try:
        store.set_note(exp.id, trial_id, text)
    finally:
        store.close()
    return jsonify({"experiment_id": exp.id, "trial_id": trial_id, "text": text})

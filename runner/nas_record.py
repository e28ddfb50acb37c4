"""The architecture a one-shot trial derived, adopted as that trial's parameters in classic-mode keys.

A trial in darts, enas or oneshot mode writes ``architecture.json`` to its directory (see
:mod:`nniannot.nas.supernet`). When it ends, its mutable-block parameters in the store are replaced by the
derived ones, so ``show --best-code`` prints the discrete network and ``trial --params`` retrains it. What
the file holds is checked against the search space: an unreadable, oversized or foreign file changes
nothing and is reported as a note, never as a crash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from nniannot.errors import SearchSpaceError
from nniannot.nas import ARCHITECTURE_FILE
from nniannot.searchspace import MutableLayer, SearchSpace

MAX_BYTES = 8 * 1024 * 1024


def read_architecture(trial_dir: str) -> dict[str, Any] | None:
    """The trial's ``architecture.json`` as a dict, or None (absent, too big, not JSON, not an object)."""
    path = os.path.join(trial_dir, ARCHITECTURE_FILE)
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def derived_params(
    trial_dir: str, params: Mapping[str, Any], space: SearchSpace
) -> tuple[dict[str, Any] | None, str | None]:
    """(the trial's params with its derived architecture, None) or (None, why nothing was adopted)."""
    doc = read_architecture(trial_dir)
    if doc is None:
        return None, "the one-shot trial wrote no readable architecture.json: its parameters are the tuner's"
    derived = doc.get("params")
    if not isinstance(derived, dict) or not derived:
        return None, "architecture.json holds no `params`: the trial's parameters are the tuner's"
    keys = {p.key for p in space if isinstance(p, MutableLayer)}
    merged = dict(params)
    for key, value in derived.items():
        if key not in keys or not space[key].contains(value):
            return None, (
                f"architecture.json: `{key}` is not a mutable block of the search space, or its value is "
                "not one of its choices: the trial's parameters are the tuner's"
            )
        merged[key] = value
    return merged, None


def adopt(store: Any, exp_id: str, trial_id: str, trial_dir: str, params: Mapping[str, Any]) -> str | None:
    """Record the derived architecture as the trial's params; returns a note when nothing was adopted."""
    try:
        space = SearchSpace.from_json(store.get_experiment(exp_id).search_space or {})
    except SearchSpaceError as exc:
        return f"cannot read the search space to adopt the derived architecture: {exc}"
    merged, note = derived_params(trial_dir, params, space)
    if merged is not None:
        store.update_trial(exp_id, trial_id, params=merged)
    return note

"""``nni.algorithms.nas.pytorch.classic_nas``: fix a model's choices from the trial's parameters.

:func:`get_and_apply_next_architecture` finds every mutable of the model. With ``NNI_GEN_SEARCH_SPACE``
set (``nni-annot ss_gen --trial-command``) it writes the model's search space to that file and exits 0,
as NNI does. Otherwise it fixes each choice to the trial's parameter of its key, in NNI's format
(``{"_value": name, "_idx": i}`` for a layer choice, lists of both for an input choice). Run outside an
experiment, every choice takes its first candidates.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

__all__ = ["get_and_apply_next_architecture"]


def _mutables(model: Any) -> dict[str, list[Any]]:
    from nni.nas.pytorch.mutables import Mutable  # type: ignore[import-not-found]

    found: dict[str, list[Any]] = {}
    for module in model.modules():
        if isinstance(module, Mutable):
            found.setdefault(module.key, []).append(module)
    return found


def _space(mutables: dict[str, list[Any]]) -> dict[str, Any]:
    from nni.nas.pytorch.mutables import LayerChoice  # type: ignore[import-not-found]

    space: dict[str, Any] = {}
    for key, (m, *_) in mutables.items():
        if isinstance(m, LayerChoice):
            space[key] = {"_type": "layer_choice", "_value": list(m.names)}
        else:
            space[key] = {
                "_type": "input_choice",
                "_value": {"candidates": list(m.choose_from), "n_chosen": m.n_chosen},
            }
    return space


def _indices(key: str, value: Any, size: int) -> list[int]:
    idx = value.get("_idx") if isinstance(value, dict) else None
    idx = [idx] if isinstance(idx, int) and not isinstance(idx, bool) else idx
    if not isinstance(idx, list) or not all(isinstance(i, int) and 0 <= i < size for i in idx):
        raise ValueError(f"classic NAS: parameter {key!r} is not a choice of {size} candidates: {value!r}")
    return idx


def get_and_apply_next_architecture(model: Any) -> None:
    """Fix every choice of ``model`` to the trial's next parameters (or dump the space and exit)."""
    mutables = _mutables(model)
    out = os.environ.get("NNI_GEN_SEARCH_SPACE")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(_space(mutables), f, indent=2)
        sys.exit(0)
    import nni  # type: ignore[import-not-found]

    params = nni.get_next_parameter() or {}
    for key, modules in mutables.items():
        first = modules[0]
        size = len(first.names) if hasattr(first, "names") else first.n_candidates
        if key in params:
            chosen = _indices(key, params[key], size)
        else:
            chosen = [0] if hasattr(first, "names") else list(range(first.n_chosen or 1))
        for m in modules:
            m._apply_choice(chosen)

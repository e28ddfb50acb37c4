"""The architecture view of experiments with ``mutable_layer`` parameters.

For each mutable block: its layers, each layer's candidate operations, fixed and optional inputs (and, when the search space names each layer's
output, which inputs are earlier layers' outputs), how often each
choice appears among the top trials, its effect on the metric (mean metric of the trials that chose it minus
the mean of all), and the best trial's choices.
"""

from __future__ import annotations

from typing import Any

from nniannot.runner.store import TrialPoint
from nniannot.viewer.analysis import sign, usable


def _chosen(point: TrialPoint, key: str, layer: str) -> dict[str, Any]:
    value = point.params.get(key)
    entry = value.get(layer) if isinstance(value, dict) else None
    return entry if isinstance(entry, dict) else {}


def _stats(done: list[TrialPoint], top: list[TrialPoint], mean: float, pick: Any) -> dict[str, Any]:
    """Share among top trials and effect on the metric of the trials for which ``pick(point)`` is true."""
    chosen = [p.final_default for p in done if pick(p)]
    return {
        "top_share": sum(1 for p in top if pick(p)) / len(top) if top else 0.0,
        "count": len(chosen),
        "effect": (sum(chosen) / len(chosen) - mean) if chosen else None,  # type: ignore[arg-type]
    }


def _layer(key: str, name: str, spec: dict[str, Any], done: list[TrialPoint], top: list[TrialPoint],
           best: TrialPoint | None, mean: float) -> dict[str, Any]:  # fmt: skip
    best_choice = _chosen(best, key, name) if best else {}
    candidates = [
        {"name": c, "best": best_choice.get("chosen_layer") == c,
         **_stats(done, top, mean, lambda p, c=c: _chosen(p, key, name).get("chosen_layer") == c)}
        for c in spec.get("layer_choice", [])
    ]  # fmt: skip
    inputs = [
        {"name": i, "best": i in (best_choice.get("chosen_inputs") or []),
         **_stats(done, top, mean, lambda p, i=i: i in (_chosen(p, key, name).get("chosen_inputs") or []))}
        for i in spec.get("optional_inputs", [])
    ]  # fmt: skip
    return {"name": name, "candidates": candidates, "inputs": inputs, "fixed_inputs": spec.get("fixed_inputs", []),
            "input_size": spec.get("optional_input_size"), "output": spec.get("layer_output")}  # fmt: skip


def _wired(spec: dict[str, Any], recorded: Any, name: str) -> dict[str, Any]:
    """A layer's spec with its output and fixed inputs from the recorded wiring when the space lacks them."""
    extra = recorded.get(name) if isinstance(recorded, dict) else None
    if not isinstance(extra, dict):
        return spec
    out = dict(spec)
    if not out.get("layer_output") and isinstance(extra.get("layer_output"), str):
        out["layer_output"] = extra["layer_output"]
    fixed = extra.get("fixed_inputs")
    if not out.get("fixed_inputs") and isinstance(fixed, list) and all(isinstance(f, str) for f in fixed):
        out["fixed_inputs"] = fixed
    return out


def architecture(
    search_space: dict[str, Any], points: list[TrialPoint], optimize_mode: str, top_fraction: float = 0.2,
    wiring: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """The blocks of ``search_space`` with per-choice statistics over ``points`` (empty if no blocks).

    ``wiring`` is the experiment's recorded ``architecture`` (per block key and layer: ``layer_output`` and
    ``fixed_inputs``, which NNI's search space leaves out); with it, a layer whose output is another
    layer's input gets an edge to it.
    """
    s = sign(optimize_mode)
    done = sorted((p for p in points if usable(p.final_default)), key=lambda p: -s * p.final_default)  # type: ignore[operator]
    top = done[: max(1, round(len(done) * top_fraction))] if done else []
    best = done[0] if done else None
    mean = sum(p.final_default for p in done) / len(done) if done else 0.0  # type: ignore[misc]
    blocks = []
    for key, spec in search_space.items():
        if not isinstance(spec, dict) or spec.get("_type") != "mutable_layer":
            continue
        recorded = wiring.get(key) if isinstance(wiring, dict) else None
        layers = [
            _layer(key, name, _wired(layer, recorded, name), done, top, best, mean)
            for name, layer in (spec.get("_value") or {}).items()
            if isinstance(layer, dict)
        ]
        outputs = {layer["output"]: layer["name"] for layer in layers if layer["output"]}
        for layer in layers:  # an input that is an earlier layer's output is an edge between the layers
            layer["sources"] = {
                i: outputs[i]
                for i in [*layer["fixed_inputs"], *(x["name"] for x in layer["inputs"])]
                if i in outputs
            }
        blocks.append({"key": key, "layers": layers})
    return {
        "blocks": blocks,
        "trials": len(done),
        "top_trials": len(top),
        "best": {"trial_id": best.id, "value": best.final_default} if best else None,
    }

"""A one-shot experiment filled by hand: trials whose directories hold ``architecture.json`` in the format
the runtime writes (mode, derived params, final weights, history), so no torch is needed."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from nniannot.runner.store import DONE, EXP_RUNNING, RUNNING, SUCCEEDED, Store

BLOCK = "train/mutable_block_1"
SPACE = {
    BLOCK: {"_type": "mutable_layer", "_value": {
        "mutable_layer_0": {"layer_choice": ["conv3()", "conv5()", "pool()"], "optional_inputs": ["x", "skip"],
                            "optional_input_size": [0, 1]},
        "mutable_layer_1": {"layer_choice": ["dense()", "identity()"]}}},
}  # fmt: skip


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    e = [math.exp(v - top) for v in logits]
    return [v / sum(e) for v in e]


def weights_at(step: int) -> dict[str, Any]:
    """darts-like weights that move from even towards conv5() / identity() as ``step`` grows."""
    t = step / 10
    c0 = softmax([0.2 * t, 1.0 * t, -0.5 * t])
    c1 = softmax([-0.4 * t, 0.6 * t])
    gate = [1 / (1 + math.exp(-0.8 * t)), 1 / (1 + math.exp(0.5 * t))]
    return {BLOCK: {
        "mutable_layer_0": {"candidates": dict(zip(["conv3()", "conv5()", "pool()"], c0)),
                            "inputs": dict(zip(["x", "skip"], gate))},
        "mutable_layer_1": {"candidates": dict(zip(["dense()", "identity()"], c1)), "inputs": {}}}}  # fmt: skip


DERIVED = {BLOCK: {"mutable_layer_0": {"chosen_layer": "conv5()", "chosen_inputs": ["x"]},
                   "mutable_layer_1": {"chosen_layer": "identity()", "chosen_inputs": []}}}  # fmt: skip


def document(steps: int = 10, mode: str = "darts") -> dict[str, Any]:
    return {
        "mode": mode,
        "params": DERIVED,
        "weights": weights_at(steps),
        "history": [{"step": s, "weights": weights_at(s)} for s in range(1, steps + 1)],
    }


def fill_oneshot(store: Store, home: str, files: list[Any]) -> tuple[str, list[str]]:
    """An experiment with one trial per entry of ``files``: a dict is written as JSON, bytes as they are,
    None writes no file. Trial i has final metric i (the last trial is the best)."""
    exp = store.create_experiment(
        name="oneshot", search_space=SPACE, command=["python", "train.py"], optimize_mode="maximize",
        max_trials=len(files), concurrency=1, config={"nas_mode": "darts"}, tuner="random",
    )  # fmt: skip
    store.set_experiment_status(exp.id, EXP_RUNNING)
    ids = []
    for i, content in enumerate(files):
        t = store.add_trial(exp.id, DERIVED, dir_root=os.path.join(home, "experiments", exp.id, "trials"))
        os.makedirs(t.dir, exist_ok=True)
        for name in ("stdout", "stderr"):
            with open(os.path.join(t.dir, name), "w") as f:
                f.write(f"{name} of a one-shot trial\n")
        if content is not None:
            data = content if isinstance(content, bytes) else json.dumps(content).encode()
            with open(os.path.join(t.dir, "architecture.json"), "wb") as f:
                f.write(data)
        store.set_trial_status(exp.id, t.id, RUNNING)
        for step in range(3):
            store.add_intermediate(exp.id, t.id, step, step / 10, {"default": step / 10})
        store.set_final(exp.id, t.id, float(i), {"default": float(i)})
        store.set_trial_status(exp.id, t.id, SUCCEEDED, exit_code=0)
        ids.append(t.id)
    store.set_experiment_status(exp.id, DONE)
    return exp.id, ids

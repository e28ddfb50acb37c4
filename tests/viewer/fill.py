"""Stores filled by hand for the viewer's tests: edge cases a real run rarely produces."""

from __future__ import annotations

import os

from nniannot.runner.store import DONE, EXP_RUNNING, FAILED, RUNNING, SUCCEEDED, Store

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def space(label: str = XSS) -> dict:
    """A search space with a log-scale number, a choice, a key containing ``label`` and a mutable block."""
    return {
        "train/lr/loguniform": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
        "train/act/choice": {"_type": "choice", "_value": ["relu", label]},
        f"train/{label}/uniform": {"_type": "uniform", "_value": [0, 1]},
        "net/mutable_block_9": {"_type": "mutable_layer", "_value": {
            "mutable_layer_0": {"layer_choice": ["conv(k=3)", "pool()"], "optional_inputs": ["x1", "x2"],
                                "optional_input_size": [0, 1]},
            "mutable_layer_1": {"layer_choice": ["dense(64)", "dense(128)", "identity()"],
                                "optional_inputs": ["x2", "x3"], "optional_input_size": [0, 1]}}},
    }  # fmt: skip


def params(i: int, label: str = XSS) -> dict:
    return {
        "train/lr/loguniform": 10 ** (-4 + (i % 4)),
        "train/act/choice": label if i % 2 else "relu",
        f"train/{label}/uniform": (i % 10) / 10,
        "net/mutable_block_9": {
            "mutable_layer_0": {"chosen_layer": "conv(k=3)" if i % 3 else "pool()", "chosen_inputs": ["x1"] if i % 2 else []},
            "mutable_layer_1": {"chosen_layer": ["dense(64)", "dense(128)", "identity()"][i % 3], "chosen_inputs": ["x3"] if i % 4 else []},
        },
    }  # fmt: skip


def fill(store: Store, home: str, trials: int = 12, status: str = DONE, label: str = XSS) -> str:
    """An experiment with ``trials`` trials, ``label`` in every user string, dict metrics, one failure, logs."""
    exp = store.create_experiment(
        name=label, search_space=space(label), command=["python", "train.py"], optimize_mode="maximize",
        max_trials=20, concurrency=2, config={"note": label}, tuner="random",
    )  # fmt: skip
    store.set_experiment_status(exp.id, EXP_RUNNING)
    for i in range(trials):
        t = store.add_trial(
            exp.id, params(i, label), dir_root=os.path.join(home, "experiments", exp.id, "trials")
        )
        os.makedirs(t.dir, exist_ok=True)
        with open(os.path.join(t.dir, "stdout"), "w") as f:
            f.write(f"line 1\n{label}\nepoch {i}\n")
        with open(os.path.join(t.dir, "stderr"), "w") as f:
            f.write("warning: something\n")
        store.set_trial_status(exp.id, t.id, RUNNING)
        for step in range(3):
            store.add_intermediate(exp.id, t.id, step, i / 10 + step, {"default": i / 10 + step, label: step})
        if i == trials - 1:
            store.set_trial_status(exp.id, t.id, FAILED, exit_code=1, stderr_tail=label, message=label)
            continue
        store.set_final(exp.id, t.id, float(i), {"default": float(i), "loss": 100.0 - i, label: 1})
        store.set_trial_status(exp.id, t.id, SUCCEEDED, exit_code=0)
    store.set_experiment_status(exp.id, status)
    return exp.id

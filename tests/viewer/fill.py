"""Stores filled by hand for the viewer's tests: edge cases a real run rarely produces."""

from __future__ import annotations

import os

from nniannot.runner.store import DONE, EARLY_STOPPED, EXP_RUNNING, FAILED, RUNNING, SUCCEEDED, Store

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


SIXTY_SPACE = {
    "train/lr/loguniform": {"_type": "loguniform", "_value": [1e-6, 1e-1]},
    "train/batch/randint": {"_type": "randint", "_value": [16, 256]},
    "train/act/choice": {"_type": "choice", "_value": ["relu", "gelu", "tanh"]},
    "train/dropout/uniform": {"_type": "uniform", "_value": [0, 0.5]},
    "train/width/choice": {"_type": "choice", "_value": [64, 128, 256]},
    "net/mutable_block_1": {"_type": "mutable_layer", "_value": {
        "mutable_layer_0": {"layer_choice": ["conv(k=3)", "conv(k=5)", "pool()"], "optional_inputs": ["x"],
                            "optional_input_size": [0, 1], "layer_output": "h0"},
        "mutable_layer_1": {"layer_choice": ["dense(64)", "identity()"], "fixed_inputs": ["h0"],
                            "optional_inputs": ["x"], "optional_input_size": [0, 1], "layer_output": "h1"}}},
}  # fmt: skip
MEMORY_ERROR = 'Traceback (most recent call last):\n  File "train.py", line 9, in <module>\n    big = [0] * n\nMemoryError\n'


def fill_sixty(store: Store, home: str, trials: int = 60, metrics: bool = True) -> str:
    """A finished-looking experiment like a real one: ``trials`` trials, the best early on, integer and log
    axes, early-stopped trials (intermediates, no final), failures with a MemoryError traceback, a trial
    stopped by SIGTERM and two still running; ``metrics=False`` gives trials that never report anything."""
    exp = store.create_experiment(
        name="sixty", search_space=SIXTY_SPACE, command=["python", "train.py"], optimize_mode="maximize",
        max_trials=trials, concurrency=4, config={}, tuner="tpe",
    )  # fmt: skip
    store.set_experiment_status(exp.id, EXP_RUNNING)
    for i in range(trials):
        params = {
            "train/lr/loguniform": 10 ** (-6 + (i * 7 % 50) / 10),
            "train/batch/randint": 16 + (i * 37) % 240,
            "train/act/choice": ["relu", "gelu", "tanh"][i % 3],
            "train/dropout/uniform": (i % 11) / 22,
            "train/width/choice": [64, 128, 256][i % 3],
            "net/mutable_block_1": {
                "mutable_layer_0": {"chosen_layer": ["conv(k=3)", "conv(k=5)", "pool()"][i % 3], "chosen_inputs": ["x"]},
                "mutable_layer_1": {"chosen_layer": ["dense(64)", "identity()"][i % 2], "chosen_inputs": ["x"] if i % 2 else []},
            },
        }  # fmt: skip
        t = store.add_trial(exp.id, params, dir_root=os.path.join(home, "experiments", exp.id, "trials"))
        os.makedirs(t.dir, exist_ok=True)
        failing = metrics and i % 13 == 5
        with open(os.path.join(t.dir, "stdout"), "w") as f:
            f.write(f"epoch 0 trial {i}\n")
        with open(os.path.join(t.dir, "stderr"), "w") as f:
            f.write(MEMORY_ERROR if failing else "")
        store.set_trial_status(exp.id, t.id, RUNNING)
        if not metrics:
            if i % 2:
                store.set_trial_status(exp.id, t.id, FAILED, exit_code=1, message="exited with code 1")
            continue
        # The best trial is number 33 of 60; later ones are worse; the activation matters.
        quality = 0.9 - abs(i - 33) / 100 if i <= 33 else 0.6 + (i % 7) / 100
        quality += [0.05, 0.0, -0.05][i % 3]
        steps = 3 if i % 4 == 3 else 5
        for step in range(steps):
            store.add_intermediate(exp.id, t.id, step, quality * (step + 1) / 5, quality * (step + 1) / 5)
        if i >= trials - 2:
            continue  # still running
        if failing:
            store.set_trial_status(exp.id, t.id, FAILED, exit_code=1, stderr_tail=MEMORY_ERROR,
                                   message="exited with code 1")  # fmt: skip
        elif i % 4 == 3:
            store.set_trial_status(
                exp.id, t.id, EARLY_STOPPED, exit_code=-15, message="stopped by the assessor"
            )
        else:
            store.set_final(exp.id, t.id, quality, {"default": quality, "loss": 3.0368e-6 * (i + 1)})
            store.set_trial_status(exp.id, t.id, SUCCEEDED, exit_code=0)
    return exp.id

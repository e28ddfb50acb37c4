"""CPU time of one suggest + observe of TPE and GP once they have observed thousands of trials.

Run by hand: ``OMP_NUM_THREADS=1 python bench/bench_tuner_scale.py [--observed 1000,10000] [--compare DIR]``.
The space is 8-dimensional and mixed (three choices, a randint, two uniforms, two loguniforms). Each
tuner is fed ``n`` observed trials of random configurations (the objective is cheap and deterministic),
then timed over ``--steps`` suggest + observe rounds with ``time.process_time`` (other load on the
machine does not inflate it). Targets at 10,000 observed trials: TPE < 20 ms, GP < 100 ms.
``--compare DIR`` also runs the package of another checkout (``PYTHONPATH=DIR``), side by side.

``--quality N`` shows what TPE's cap on ``g(x)`` (``TpeTuner.max_bad``) does to the result: the best value
after N trials on the same objective, median over ``--seeds``, with the cap and without it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

SPACE = {
    "optimizer": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
    "batch_size": {"_type": "choice", "_value": [16, 32, 64, 128, 256]},
    "activation": {"_type": "choice", "_value": ["relu", "tanh", "gelu", "silu"]},
    "num_layers": {"_type": "randint", "_value": [1, 9]},
    "dropout": {"_type": "uniform", "_value": [0.0, 0.8]},
    "momentum": {"_type": "uniform", "_value": [0.0, 0.99]},
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "wd": {"_type": "loguniform", "_value": [1e-8, 1e-1]},
}
WARMUP = 25
_OPT = {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.15}
_ACT = {"relu": 0.0, "tanh": 0.2, "gelu": 0.05, "silu": 0.1}


def objective(p: dict) -> float:
    return (
        _OPT[p["optimizer"]]
        + _ACT[p["activation"]]
        + 0.02 * (math.log2(p["batch_size"]) - 6.0) ** 2
        + 0.05 * (p["num_layers"] - 4) ** 2
        + 4.0 * (p["dropout"] - 0.05 * p["num_layers"]) ** 2
        + (p["momentum"] - 0.9) ** 2
        + 0.5 * (math.log10(p["lr"]) + 3) ** 2
        + 0.1 * (math.log10(p["wd"]) + 5) ** 2
    )


def per_step_ms(name: str, observed: int, steps: int) -> float:
    from nniannot.runner.tuners import make_tuner

    feeder = make_tuner("random", SPACE, optimize_mode="minimize", seed=1)
    tuner = make_tuner(name, SPACE, optimize_mode="minimize", seed=0)
    for i in range(observed):
        params = feeder.suggest(f"f{i}")
        tuner.observe(f"f{i}", params, objective(params))
    spent = 0.0
    for i in range(WARMUP + steps):  # the first rounds are the tuner's start-up design, not its model
        t0 = time.process_time()
        params = tuner.suggest(str(i))
        tuner.observe(str(i), params, objective(params))
        spent += (time.process_time() - t0) if i >= WARMUP else 0.0
    return 1000 * spent / steps


def best_after(trials: int, seed: int, max_bad: int | None) -> float:
    from nniannot.runner.tuners import make_tuner

    tuner = make_tuner("tpe", SPACE, optimize_mode="minimize", seed=seed)
    if max_bad is not None:
        tuner.max_bad = max_bad  # type: ignore[attr-defined]
    best = math.inf
    for i in range(trials):
        params = tuner.suggest(str(i))
        value = objective(params)
        tuner.observe(str(i), params, value)
        best = min(best, value)
    return best


def quality(trials: int, seeds: int) -> None:
    import statistics

    print(f"TPE, best value after {trials} trials (minimise; median and range over {seeds} seeds)")
    for label, cap in (("g(x) capped (default)", None), ("g(x) on every observation", 10**9)):
        values = [best_after(trials, seed, cap) for seed in range(seeds)]
        print(f"{label:<28} {statistics.median(values):.4g} ({min(values):.4g}-{max(values):.4g})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--observed", default="1000,10000")
    ap.add_argument("--tuners", default="tpe,gp")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--compare", metavar="DIR")
    ap.add_argument("--quality", type=int, metavar="N", help="TPE's best value after N trials, cap on/off")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.quality:
        print(f"python {' '.join(sys.argv)}")
        quality(a.quality, a.seeds)
        return
    cells = [(t, int(n)) for t in a.tuners.split(",") for n in a.observed.split(",")]
    if a.worker:
        print(json.dumps([per_step_ms(t, n, a.steps) for t, n in cells]))
        return
    here = str(Path(__file__).resolve().parent.parent)
    trees = [(a.compare, "compared"), (here, "this checkout")] if a.compare else [(here, "this checkout")]
    columns = []
    for tree, _ in trees:
        argv = [sys.executable, __file__, "--worker", "--observed", a.observed, "--tuners", a.tuners]
        argv += ["--steps", str(a.steps)]
        done = subprocess.run(argv, env={**os.environ, "PYTHONPATH": tree}, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        columns.append(json.loads(done.stdout.splitlines()[-1]))
    print(f"python {' '.join(sys.argv)}   (CPU ms per suggest + observe, mean of {a.steps})")
    print(f"{'tuner, observed trials':<28}" + "".join(f" {name:>15}" for _, name in trees))
    for i, (t, n) in enumerate(cells):
        print(f"{f'{t}, {n}':<28}" + "".join(f" {col[i]:>15.1f}" for col in columns))


if __name__ == "__main__":
    main()

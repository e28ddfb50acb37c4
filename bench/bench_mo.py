"""Benchmark nni-annot's multi-objective tuners against Optuna 5's; prints a table of hypervolumes.

Run by hand (not a test). Our tuners run in this interpreter through the Tuner interface
(``set_objectives`` / ``suggest`` / ``observe_vector``); Optuna's NSGAIISampler, TPESampler and GPSampler
(multi-objective) run side by side, same problems and seeds, in a separate virtual environment (``--venv``,
default /tmp/bench-motune, with optuna>=5,<6, numpy, scipy and torch==2.13.0) that this same file is re-run
in as a worker.

    OMP_NUM_THREADS=1 python bench/bench_mo.py --seeds 10 --budgets 50,200

Each (sampler, problem, seed) is one run of max(budgets) trials; the hypervolume of the first b trials,
against the problem's FIXED reference point, is the result at budget b (a sampler's first b suggestions do
not depend on the total budget). Overhead is CPU time per trial spent in the sampler (suggest + observe, or
ask + tell), measured with ``time.process_time`` and one thread, so other load on the machine does not
inflate it much.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OURS = ("gp", "tpe", "evolution", "random")
EXTERNAL = ("optuna_nsga2", "optuna_tpe", "optuna_gp")


# -- problems (numpy-free, so both interpreters evaluate them identically) ----------------------------------
def _unit_space(n: int) -> dict:
    return {f"x{i}": {"_type": "uniform", "_value": [0.0, 1.0]} for i in range(n)}


def _xs(params: dict, n: int) -> list[float]:
    return [float(params[f"x{i}"]) for i in range(n)]


def zdt1(params: dict) -> list[float]:
    x = _xs(params, 6)
    g = 1 + 9 * sum(x[1:]) / 5
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(params: dict) -> list[float]:
    x = _xs(params, 6)
    g = 1 + 9 * sum(x[1:]) / 5
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def zdt3(params: dict) -> list[float]:
    x = _xs(params, 6)
    g = 1 + 9 * sum(x[1:]) / 5
    h = 1 - math.sqrt(x[0] / g) - (x[0] / g) * math.sin(10 * math.pi * x[0])
    return [x[0], g * h]


def dtlz2(params: dict) -> list[float]:
    x = _xs(params, 6)
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [
        (1 + g) * math.cos(a) * math.cos(b),
        (1 + g) * math.cos(a) * math.sin(b),
        (1 + g) * math.sin(a),
    ]


MIXED_SPACE = {
    "optimizer": {"_type": "choice", "_value": ["sgd", "adam", "rmsprop"]},
    "width": {"_type": "randint", "_value": [1, 33]},
    "lr": {"_type": "loguniform", "_value": [1e-5, 1.0]},
    "dropout": {"_type": "uniform", "_value": [0.0, 0.8]},
}
_OPT = {"sgd": (0.25, 1.0), "adam": (0.0, 1.3), "rmsprop": (0.1, 1.1)}  # error offset, cost factor


def mixed(params: dict) -> list[float]:
    """An error/cost trade-off: wider is better but dearer; the learning rate has a narrow log-scale sweet
    spot whose place depends on the optimizer."""
    offset, factor = _OPT[params["optimizer"]]
    best_lr = -3.0 if params["optimizer"] == "sgd" else -2.0
    t = math.log10(float(params["lr"]))
    width, dropout = int(params["width"]), float(params["dropout"])
    error = offset + 0.3 * (t - best_lr) ** 2 + 1.5 / (1 + width) + (dropout - 0.2 - width / 80) ** 2
    cost = factor * width / 32 + 0.2 * (1 - dropout)
    return [error, cost]


# name -> (space, function, number of objectives, fixed reference point)
PROBLEMS = {
    "zdt1": (_unit_space(6), zdt1, 2, (1.1, 11.0)),
    "zdt2": (_unit_space(6), zdt2, 2, (1.1, 11.0)),
    "zdt3": (_unit_space(6), zdt3, 2, (1.1, 11.0)),
    "dtlz2": (_unit_space(6), dtlz2, 3, (2.0, 2.0, 2.0)),
    "mixed": (MIXED_SPACE, mixed, 2, (4.0, 2.0)),
}


def hv_at(values: list[list[float]], ref, budgets) -> list[float]:
    """Hypervolume of the first b vectors, per budget b (the project's exact one; run in our process)."""
    sys.path.insert(0, str(HERE.parent))
    from nniannot.pareto import hypervolume

    return [hypervolume(values[:b], ref) for b in budgets]


# -- runners ---------------------------------------------------------------------------------------------
def run_ours(job: tuple[str, str, int, int]) -> tuple[list[list[float]], list[float]]:
    """Objective vectors in trial order and CPU ms per trial in suggest+observe_vector."""
    name, problem, seed, budget = job
    sys.path.insert(0, str(HERE.parent))
    from nniannot.runner.tuners import make_tuner

    space, fn, m, _ = PROBLEMS[problem]
    tuner = make_tuner(name, space, optimize_mode="minimize", seed=seed)
    tuner.set_objectives(m)
    values, spent = [], []
    for i in range(budget):
        t0 = time.process_time()
        params = tuner.suggest(str(i))
        t1 = time.process_time()
        losses = fn(params)
        t2 = time.process_time()
        tuner.observe_vector(str(i), params, losses, 0.0, None, "SUCCEEDED")
        spent.append(1000 * (t1 - t0 + time.process_time() - t2))
        values.append(losses)
    return values, spent


def run_external(job: tuple[str, str, int, int]) -> tuple[list[list[float]], list[float]]:
    """The same for one of Optuna's samplers (runs inside the bench venv)."""
    import optuna

    name, problem, seed, budget = job
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    space, fn, m, _ = PROBLEMS[problem]
    samplers = {
        "optuna_nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
        "optuna_tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna_gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }
    study = optuna.create_study(directions=["minimize"] * m, sampler=samplers[name]())
    values, spent = [], []
    for _ in range(budget):
        t0 = time.process_time()
        trial = study.ask()
        params = {k: _suggest_optuna(trial, k, s) for k, s in space.items()}
        t1 = time.process_time()
        losses = fn(params)
        t2 = time.process_time()
        study.tell(trial, losses)
        spent.append(1000 * (t1 - t0 + time.process_time() - t2))
        values.append(losses)
    return values, spent


def _suggest_optuna(trial, key, spec):
    t, v = spec["_type"], spec["_value"]
    if t == "choice":
        return trial.suggest_categorical(key, v)
    if t == "randint":
        return trial.suggest_int(key, v[0], v[1] - 1)
    return trial.suggest_float(key, v[0], v[1], log=(t == "loguniform"))


def _pool_map(fn, jobs, workers):
    if workers <= 1:
        return [fn(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, jobs, chunksize=1))


def collect(samplers, problems, seeds, budget, workers, venv):
    """{sampler: {problem: [(values, overheads) per seed]}}."""
    out: dict = {}
    ext = [s for s in samplers if s in EXTERNAL]
    ours = [s for s in samplers if s not in EXTERNAL]
    child = None
    if ext:  # Optuna's side runs in its own process at the same time as ours
        payload = json.dumps(
            {
                "samplers": ext,
                "problems": problems,
                "seeds": seeds,
                "budget": budget,
                "workers": max(1, workers - 1),
            }
        )
        child = subprocess.Popen(
            [str(Path(venv) / "bin" / "python"), __file__, "--worker", payload],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
    jobs = [(s, p, seed, budget) for s in ours for p in problems for seed in seeds]
    # ours take one process (they are the cheaper side), Optuna's the others
    for job, res in zip(jobs, _pool_map(run_ours, jobs, 1 if ext else workers)):
        out.setdefault(job[0], {}).setdefault(job[1], []).append(res)
    if child is not None:
        stdout, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"the Optuna worker failed (exit {child.returncode})")
        for s, per in json.loads(stdout).items():
            out[s] = per
    return out


def worker(payload: str) -> None:
    cfg = json.loads(payload)
    jobs = [
        (s, p, seed, cfg["budget"]) for s in cfg["samplers"] for p in cfg["problems"] for seed in cfg["seeds"]
    ]
    out: dict = {}
    for job, res in zip(jobs, _pool_map(run_external, jobs, cfg["workers"])):
        out.setdefault(job[0], {}).setdefault(job[1], []).append(res)
    sys.stdout.write(json.dumps(out))


def table(results, samplers, problems, budgets) -> str:
    lines = []
    for bi, b in enumerate(budgets):
        lines.append(f"\n#### budget {b}: median hypervolume over seeds (higher is better), CPU ms/trial\n")
        lines.append("| problem (reference point) | " + " | ".join(samplers) + " |")
        lines.append("|---" * (len(samplers) + 1) + "|")
        for p in problems:
            ref = PROBLEMS[p][3]
            cells = []
            for s in samplers:
                runs = results[s][p]
                hv = statistics.median(hv_at(v, ref, budgets)[bi] for v, _ in runs)
                ms = statistics.median(statistics.mean(t[:b]) for _, t in runs)
                cells.append(f"{hv:.4g} {ms:.1f}ms")
            lines.append(f"| {p} {ref} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    ap.add_argument("--budgets", default="50,200")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--samplers", default=",".join(OURS + EXTERNAL))
    ap.add_argument("--workers", type=int, default=2, help="processes (one for ours, the rest for Optuna)")
    ap.add_argument("--venv", default="/tmp/bench-motune")
    ap.add_argument("--save", help="write every run's objective vectors and overheads to this JSON file")
    ap.add_argument(
        "--reuse",
        help="--save files, comma-separated: samplers found in them (same problems, seeds and budget) are "
        "read, not run",
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    budgets = [int(b) for b in args.budgets.split(",")]
    samplers, problems = args.samplers.split(","), args.problems.split(",")
    start = time.time()
    seeds = list(range(args.seeds))
    key = {"problems": problems, "seeds": seeds, "budget": max(budgets)}
    reused: dict = {}
    for path in args.reuse.split(",") if args.reuse else []:
        saved = json.loads(Path(path).read_text())
        if {k: saved.get(k) for k in key} != key:
            raise SystemExit(f"{path}: made for other problems, seeds or budget than these")
        reused.update({s: saved["results"][s] for s in samplers if s in saved["results"]})
    to_run = [s for s in samplers if s not in reused]
    results = collect(to_run, problems, seeds, max(budgets), args.workers, args.venv) if to_run else {}
    results.update(reused)
    if args.save:
        Path(args.save).write_text(json.dumps({**key, "results": results}))
    if reused:
        print(f"read from {args.reuse}: {', '.join(reused)}")
    print("command: OMP_NUM_THREADS=1 python bench/bench_mo.py " + " ".join(sys.argv[1:]))
    print(f"wall time {time.time() - start:.0f}s; load average {os.getloadavg()[0]:.2f}")
    print(table(results, samplers, problems, budgets))


if __name__ == "__main__":
    main()

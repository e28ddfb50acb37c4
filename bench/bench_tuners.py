"""Benchmark nni-annot's tuners against Optuna and Hyperopt on the shared problems; prints a table.

Run by hand (not a test). Our tuners run in this interpreter; Optuna 5 and Hyperopt 0.3 run side by side
in a separate virtual environment (``--venv``, default /tmp/benchvenv) that this same file is re-run in
as a worker. Samplers that cannot run there (Optuna's GPSampler needs torch) are read from
``reference.json`` and marked ``ref``.

    OMP_NUM_THREADS=1 python bench/bench_tuners.py --seeds 20 --budgets 30,100

Each (sampler, problem, seed) is one run of max(budgets) trials; the best value after the first b trials
is the result at budget b (a sampler's first b suggestions do not depend on the total budget). Overhead
is CPU time per trial spent in the sampler (suggest + observe), measured with ``time.process_time`` so that
other load on the machine does not inflate it; run with OMP_NUM_THREADS=1 so that it is one thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("NNIANNOT_SHARED", HERE.parent.parent / "shared")) / "bench"
OURS = ("tpe", "gp", "anneal", "evolution", "smac", "metis", "dngo", "pbt", "random")
EXTERNAL = ("optuna_tpe", "optuna_random", "hyperopt_anneal", "hyperopt_tpe")


def load_problems():
    spec = importlib.util.spec_from_file_location("bench_problems", SHARED / "problems.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_problems"] = module
    spec.loader.exec_module(module)
    return module.PROBLEMS


def run_ours(args: tuple[str, str, int, int, dict]) -> tuple[list[float], float]:
    """Best-so-far curve and CPU ms per trial in suggest+observe, for one of our tuners."""
    name, problem, seed, budget, class_args = args
    sys.path.insert(0, str(HERE.parent))
    from nniannot.runner.tuners import make_tuner

    prob = load_problems()[problem]
    tuner = make_tuner(name.split(":")[0], prob.space, optimize_mode="minimize", seed=seed, **class_args)
    best, curve, spent = float("inf"), [], []
    for i in range(budget):
        t0 = time.process_time()
        params = tuner.suggest(str(i))
        t1 = time.process_time()
        value = prob.fn(params)
        t2 = time.process_time()
        tuner.observe(str(i), params, value)
        spent.append(1000 * (t1 - t0 + time.process_time() - t2))
        best = min(best, value)
        curve.append(best)
    return curve, spent


def run_external(args: tuple[str, str, int, int]) -> tuple[list[float], float]:
    """The same for Optuna / Hyperopt samplers (runs inside the comparison venv)."""
    name, problem, seed, budget = args
    prob = load_problems()[problem]
    if name.startswith("optuna"):
        return _run_optuna(name, prob, seed, budget)
    return _run_hyperopt(name, prob, seed, budget)


def _run_optuna(name, prob, seed, budget):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (
        optuna.samplers.TPESampler(seed=seed)
        if name == "optuna_tpe"
        else optuna.samplers.RandomSampler(seed=seed)
    )
    study = optuna.create_study(sampler=sampler)
    curve, best, spent = [], float("inf"), []
    for _ in range(budget):
        t0 = time.process_time()
        trial = study.ask()
        params = {k: _suggest_optuna(trial, k, s) for k, s in prob.space.items()}
        t1 = time.process_time()
        value = prob.fn(params)
        t2 = time.process_time()
        study.tell(trial, value)
        spent.append(1000 * (t1 - t0 + time.process_time() - t2))
        best = min(best, value)
        curve.append(best)
    return curve, spent


def _suggest_optuna(trial, key, spec):
    t, v = spec["_type"], spec["_value"]
    if t == "choice":
        return trial.suggest_categorical(key, v)
    if t == "randint":
        return trial.suggest_int(key, v[0], v[1] - 1)
    return trial.suggest_float(key, v[0], v[1], log=(t == "loguniform"))


def _run_hyperopt(name, prob, seed, budget):
    import numpy as np
    from hyperopt import Trials, anneal, fmin, hp, tpe

    space = {}
    for k, s in prob.space.items():
        t, v = s["_type"], s["_value"]
        if t == "choice":
            space[k] = hp.choice(k, v)
        elif t == "randint":
            space[k] = hp.randint(k, v[0], v[1])
        elif t == "loguniform":
            space[k] = hp.loguniform(k, np.log(v[0]), np.log(v[1]))
        else:
            space[k] = hp.uniform(k, v[0], v[1])
    algo = anneal.suggest if name == "hyperopt_anneal" else tpe.suggest
    values, stamps = [], []

    def objective(params):
        stamps.append(time.process_time())
        params = {k: (int(x) if prob.space[k]["_type"] == "randint" else x) for k, x in params.items()}
        value = prob.fn(params)
        values.append(value)
        stamps.append(time.process_time())
        return value

    stamps.append(time.process_time())
    fmin(
        objective,
        space,
        algo=algo,
        max_evals=budget,
        trials=Trials(),
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    stamps.append(time.process_time())
    # stamps: start, (enter, leave) per evaluation, end; the sampler's time is between leave and enter
    spent = [1000 * (stamps[2 * i + 1] - stamps[2 * i]) for i in range(budget)]
    spent[-1] += 1000 * (stamps[-1] - stamps[-2])
    curve = list(np.minimum.accumulate(values))
    return [float(c) for c in curve], spent


def _pool_map(fn, jobs, workers):
    if workers <= 1:
        return [fn(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, jobs, chunksize=1))


def collect(samplers, problems, seeds, budget, workers, venv, class_args):
    """{sampler: {problem: (curves, overheads)}}."""
    out = {}
    ext = [s for s in samplers if s in EXTERNAL]
    ours = [s for s in samplers if s not in EXTERNAL]
    jobs = [(s, p, seed, budget, class_args.get(s, {})) for s in ours for p in problems for seed in seeds]
    for job, res in zip(jobs, _pool_map(run_ours, jobs, workers)):
        out.setdefault(job[0], {}).setdefault(job[1], []).append(res)
    if ext:
        payload = json.dumps(
            {"samplers": ext, "problems": problems, "seeds": seeds, "budget": budget, "workers": workers}
        )
        python = Path(venv) / "bin" / "python"
        done = subprocess.run(
            [str(python), __file__, "--worker", payload],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        for s, per in json.loads(done.stdout).items():
            out[s] = per
    return out


def worker(payload: str) -> None:
    cfg = json.loads(payload)
    jobs = [
        (s, p, seed, cfg["budget"]) for s in cfg["samplers"] for p in cfg["problems"] for seed in cfg["seeds"]
    ]
    out = {}
    for job, res in zip(jobs, _pool_map(run_external, jobs, cfg["workers"])):
        out.setdefault(job[0], {}).setdefault(job[1], []).append(res)
    sys.stdout.write(json.dumps(out))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1")
    ap.add_argument("--budgets", default="30,100")
    ap.add_argument("--problems", default="branin,hartmann6,rosenbrock5,logscale,mixed,nas8")
    ap.add_argument("--samplers", default=",".join(OURS + EXTERNAL))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--venv", default="/tmp/benchvenv")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument(
        "--class-args",
        default="{}",
        help='JSON: class arguments per sampler, e.g. \'{"tpe:g10": {"gamma": 0.1}}\' (a ":label" names a variant)',
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.worker)
        return
    budgets = [int(b) for b in a.budgets.split(",")]
    problems = a.problems.split(",")
    samplers = a.samplers.split(",")
    seeds = list(range(a.seeds))
    t0 = time.time()
    results = collect(samplers, problems, seeds, max(budgets), a.workers, a.venv, json.loads(a.class_args))
    reference = json.loads((SHARED / "reference.json").read_text())["results"]
    lines = table(results, budgets, problems, reference)
    print("\n".join(lines))
    print(f"\n{len(seeds)} seeds, {time.time() - t0:.0f} s wall")
    if a.json:
        Path(a.json).write_text(json.dumps(results))


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def table(results, budgets, problems, reference) -> list[str]:
    """Median best per sampler, problem and budget, ranked, with one-sided Mann-Whitney p against rivals."""
    from scipy.stats import mannwhitneyu

    lines = []
    for b in budgets:
        lines.append(f"\n## budget {b}: median best over seeds (p25-p75), ms/trial")
        lines.append("| problem | " + " | ".join(results) + " | optuna_gp (ref) |")
        lines.append("|---" * (len(results) + 2) + "|")
        for p in problems:
            cells = []
            for s in results:
                runs = results[s][p]
                best = [r[0][b - 1] for r in runs]
                q = statistics.quantiles(best, n=4) if len(best) > 1 else [best[0]] * 3
                ms = statistics.mean(statistics.mean(r[1][:b]) for r in runs)
                cells.append(f"{_fmt(statistics.median(best))} ({_fmt(q[0])}-{_fmt(q[2])}) {ms:.1f}ms")
            ref = reference.get(p, {}).get(str(b), {}).get("optuna_gp")
            gp_ref = f"{_fmt(ref['median_best'])} {ref['overhead_ms']:.0f}ms" if ref else "-"
            lines.append(f"| {p} | " + " | ".join(cells) + f" | {gp_ref} |")
        lines.append("")
        for mine, rival in (
            ("tpe", "optuna_tpe"),
            ("anneal", "hyperopt_anneal"),
            ("evolution", "random"),
            ("gp", "optuna_tpe"),
        ):
            if mine not in results or rival not in results:
                continue
            row = []
            for p in problems:
                a = [r[0][b - 1] for r in results[mine][p]]
                c = [r[0][b - 1] for r in results[rival][p]]
                wins = statistics.median(a) <= statistics.median(c)
                pv = mannwhitneyu(a, c, alternative="less").pvalue if len(a) > 1 else float("nan")
                row.append(f"{p}: {'<=' if wins else '>'} (p={pv:.3f})")
            lines.append(f"- {mine} vs {rival}: " + "; ".join(row))
        if "gp" in results:
            row = []
            for p in problems:
                ref = reference.get(p, {}).get(str(b), {}).get("optuna_gp")
                if ref:
                    med = statistics.median(r[0][b - 1] for r in results["gp"][p])
                    row.append(f"{p}: {'<=' if med <= ref['median_best'] else '>'}")
            lines.append("- gp vs optuna_gp (reference.json): " + "; ".join(row))
    return lines


if __name__ == "__main__":
    main()

"""Dask backend figures, run by hand: ``python bench/bench_dask.py [--trials N]``. Prints a table.

On one local cluster of 2 process workers (1 thread each), compared with the local backend:
1. per-trial latency of a trial that does nothing, one at a time: submit -> finished;
2. metric latency: a trial reports one intermediate result, sleeps 2 s, then ends; the time from submit to
   that result reaching the runner, minus the trial's own start-up as measured by the local backend;
3. throughput at concurrency 2: do-nothing trials per second.
Cluster start-up time is printed too. Trials are plain ``python -c`` scripts using the trial API.

``--scale N`` measures a long run instead: N do-nothing trials kept 4 at a time on a cluster of 4 process
workers (a scheduler process and ``dask worker --nworkers 4 --nthreads 1``, started from this venv's
``dask`` command), against the local backend at the same concurrency (warm and cold starts). It prints
the time per trial per slot (the whole run's wall time x 4 / N: overhead, since the trials do nothing),
and the scheduler's RSS and task count every N/10 trials, to show whether either grows.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nniannot.runner.backends.base import FINISHED, METRIC, Backend, TrialSpec
from nniannot.runner.backends.local import LocalBackend

NOTHING = "import nniannot; nniannot.get_next_parameter(); nniannot.report_final_result(1)"
REPORT_THEN_SLEEP = "import time, nniannot; nniannot.get_next_parameter(); nniannot.report_intermediate_result(1); time.sleep(2)"


def _spec(tmp: str, trial_id: str, code: str) -> TrialSpec:
    return TrialSpec("BENCH", trial_id, 0, [sys.executable, "-c", code], tmp, os.path.join(tmp, trial_id), {})


def _wait(backend: Backend, ids: set[str], first_metric: dict[str, float] | None = None) -> None:
    done: set[str] = set()
    while ids - done:
        for event in backend.events(0.5):
            if event.kind == FINISHED:
                done.add(event.trial_id)
            elif event.kind == METRIC and first_metric is not None:
                first_metric.setdefault(event.trial_id, time.perf_counter())


def measure(backend: Backend, tmp: str, trials: int) -> dict[str, float]:
    latencies = []
    for i in range(trials):
        start = time.perf_counter()
        backend.submit(_spec(tmp, f"one{i}", NOTHING))
        _wait(backend, {f"one{i}"})
        latencies.append(time.perf_counter() - start)
    metric_at: dict[str, float] = {}
    metric_delays = []
    for i in range(3):
        start = time.perf_counter()
        backend.submit(_spec(tmp, f"rep{i}", REPORT_THEN_SLEEP))
        _wait(backend, {f"rep{i}"}, metric_at)
        metric_delays.append(metric_at[f"rep{i}"] - start)
    start = time.perf_counter()
    ids = {f"many{i}" for i in range(trials * 2)}
    for trial_id in sorted(ids):
        backend.submit(_spec(tmp, trial_id, NOTHING))
    _wait(backend, ids)
    return {
        "latency": statistics.median(latencies),
        "metric": statistics.median(metric_delays),
        "rate": len(ids) / (time.perf_counter() - start),
    }


def keep_busy(
    backend: Backend,
    tmp: str,
    prefix: str,
    trials: int,
    slots: int = 4,
    every: Callable[[int], None] | None = None,
) -> float:
    """Run ``trials`` do-nothing trials, ``slots`` at a time; wall seconds. ``every(done)`` after each tenth."""
    submitted = finished = 0
    start = time.perf_counter()
    while finished < trials:
        while submitted < trials and submitted - finished < slots:
            backend.submit(_spec(tmp, f"{prefix}{submitted}", NOTHING))
            submitted += 1
        for event in backend.events(0.5):
            if event.kind == FINISHED:
                finished += 1
                if every is not None and finished % max(trials // 10, 1) == 0:
                    every(finished)
    return time.perf_counter() - start


def scale(trials: int) -> None:
    import psutil
    from distributed import Client

    from nniannot.runner.backends.dask import DaskBackend

    dask_cli = os.path.join(os.path.dirname(sys.executable), "dask")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for warm in (True, False):
            with LocalBackend(kill_grace=1.0, warm_start=warm) as local:
                wall = keep_busy(local, tmp, f"local{warm}-", trials)
            rows.append((f"local ({'warm' if warm else 'cold'} starts)", wall))
        info = os.path.join(tmp, "scheduler.json")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = subprocess.Popen([dask_cli, "scheduler", "--scheduler-file", info, "--port", "0",
                                      "--dashboard-address", ":0"], **quiet)  # fmt: skip
        workers = None
        try:
            while not os.path.exists(info):
                time.sleep(0.1)
            workers = subprocess.Popen([dask_cli, "worker", "--scheduler-file", info, "--nworkers", "4",
                                        "--nthreads", "1", "--no-dashboard"], **quiet)  # fmt: skip
            client = Client(scheduler_file=info, set_as_default=False)
            client.wait_for_workers(4, timeout=120)
            memory: list[tuple[int, float, int]] = []

            def sample(done: int) -> None:
                tasks = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
                memory.append((done, psutil.Process(scheduler.pid).memory_info().rss / 2**20, tasks))

            sample(0)
            with DaskBackend(client=client, shared_fs=True, kill_grace=1.0) as dask:
                wall = keep_busy(dask, tmp, "dask-", trials, every=sample)
            rows.append(("dask (4 process workers)", wall))
            client.close()
        finally:
            for proc in (workers, scheduler):
                if proc is not None:
                    proc.terminate()
                    proc.wait(30)
    print(
        f"command: python bench/bench_dask.py --scale {trials}   (load {os.getloadavg()[0]:.2f} at the end)"
    )
    print(f"{trials} do-nothing trials, 4 at a time\n")
    print(f"{'backend':<26} {'wall':>9} {'per trial per slot':>19} {'vs local warm':>14}")
    for name, wall in rows:
        per = wall * 4 / trials
        print(f"{name:<26} {wall:>7.1f} s {per * 1000:>16.0f} ms {per / (rows[0][1] * 4 / trials):>13.2f}x")
    print("\nscheduler process during the dask run")
    print(f"{'trials done':>12} {'RSS':>9} {'tasks held':>11}")
    for done, rss, tasks in memory:
        print(f"{done:>12} {rss:>6.1f} MB {tasks:>11}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--scale", type=int, metavar="N", help="N trials on 4 process workers instead")
    args = parser.parse_args()
    if args.scale:
        scale(args.scale)
        return
    from distributed import Client, LocalCluster

    from nniannot.runner.backends.dask import DaskBackend
    from nniannot.runner.backends.dask_bundle import build_bundle

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with LocalBackend(kill_grace=1.0, warm_start=False) as local:
            rows.append(("local (cold starts)", measure(local, tmp, args.trials)))
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)  # fmt: skip
        client = Client(cluster, set_as_default=False)
        boot = time.perf_counter() - start
        for shared in (True, False):
            bundle = None if shared else build_bundle(None, tmp, tmp, [], base=tmp)
            with DaskBackend(client=client, shared_fs=shared, bundle=bundle, kill_grace=1.0) as dask:
                rows.append(
                    (f"dask ({'shared fs' if shared else 'shipped'})", measure(dask, tmp, args.trials))
                )
        client.close()
        cluster.close()
    print(f"LocalCluster(2 process workers) start-up: {boot:.2f} s; {args.trials} sequential trials each\n")
    print(f"{'backend':<22} {'trial latency':>14} {'first metric':>13} {'trials/s @2':>12}")
    for name, r in rows:
        print(f"{name:<22} {r['latency'] * 1000:>11.0f} ms {r['metric'] * 1000:>10.0f} ms {r['rate']:>12.1f}")


if __name__ == "__main__":
    main()

"""Dask backend figures, run by hand: ``python bench/bench_dask.py [--trials N]``. Prints a table.

On one local cluster of 2 process workers (1 thread each), compared with the local backend:
1. per-trial latency of a trial that does nothing, one at a time: submit -> finished;
2. metric latency: a trial reports one intermediate result, sleeps 2 s, then ends; the time from submit to
   that result reaching the runner, minus the trial's own start-up as measured by the local backend;
3. throughput at concurrency 2: do-nothing trials per second.
Cluster start-up time is printed too. Trials are plain ``python -c`` scripts using the trial API.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
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
            bundle = None if shared else build_bundle([sys.executable, "-c", NOTHING], tmp, tmp, [], tmp)
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

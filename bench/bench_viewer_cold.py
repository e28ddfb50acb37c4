"""Cold chart-data requests of a big experiment, this checkout side by side with another one.

Run by hand: ``python bench/bench_viewer_cold.py --against /path/to/other/checkout [--trials N] [--rounds R]
[--store PATH]``. It fills a store as bench_viewer.py does (or reuses ``--store``), then, alternating the two
checkouts for R rounds, times each chart request of the charts and overview pages with a fresh app (no
cached data: every request is cold) in a subprocess importing that checkout's code, and prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENDPOINTS = ("history", "charts", "curves")


def measure(path: str) -> None:
    """In the subprocess: one cold request per endpoint, printed as ``name ms`` lines."""
    from nniannot.viewer import create_app

    exp = create_app(path).test_client().get("/api/experiments").get_json()["experiments"]
    exp_id = max(exp, key=lambda e: e["trial_count"])["id"]
    for name in ENDPOINTS:
        client = create_app(path).test_client()
        start = time.perf_counter()
        answer = client.get(f"/api/experiments/{exp_id}/{name}")
        took = (time.perf_counter() - start) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"{name} answered {answer.status_code}")
        print(name, f"{took:.0f}", flush=True)


def run(checkout: str, path: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": checkout}
    out = subprocess.run([sys.executable, __file__, "--measure", path], env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return {name: float(ms) for name, ms in (line.split() for line in out.splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="another checkout of the project to compare with")
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", help="a store filled by an earlier run (kept)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or os.path.join(tmp, "store.db")
        if not os.path.exists(path):
            sys.path.insert(0, os.path.join(HERE, "bench"))
            from bench_viewer import fill

            fill(path, args.trials, args.steps)
        checkouts = {
            "this checkout": HERE,
            **({"other checkout": os.path.abspath(args.against)} if args.against else {}),
        }
        times: dict[str, dict[str, list[float]]] = {k: {e: [] for e in ENDPOINTS} for k in checkouts}
        for _ in range(args.rounds):
            for label, checkout in checkouts.items():
                for name, ms in run(checkout, path).items():
                    times[label][name].append(ms)
        print(
            f"{'cold request, median of ' + str(args.rounds) + ' (ms)':<34}"
            + "".join(f"{k:>16}" for k in checkouts)
        )
        for name in ENDPOINTS:
            print(
                f"{name + ' API':<34}"
                + "".join(f"{statistics.median(times[k][name]):>16.0f}" for k in checkouts)
            )


if __name__ == "__main__":
    main()

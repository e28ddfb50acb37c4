"""How fast the viewer answers with a big experiment: 20,000 trials x 30 intermediate results.

Run by hand: ``python bench/bench_viewer.py [--trials N] [--steps S] [--repeat R]``. It fills a temporary
store (the experiment through the store's API, the trials and intermediates by bulk SQL in the store's
schema), then times requests through Flask's test client (server time, no network) and prints a table of
the median and worst of R runs each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nniannot.runner.store import open_store
from nniannot.viewer import create_app

SPACE = {
    "train/lr/loguniform": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "train/hidden/choice": {"_type": "choice", "_value": [16, 32, 64, 128, 256]},
    "train/dropout/uniform": {"_type": "uniform", "_value": [0, 0.5]},
    "train/act/choice": {"_type": "choice", "_value": ["relu", "tanh", "gelu"]},
    "train/layers/randint": {"_type": "randint", "_value": [1, 8]},
}


def fill(path: str, trials: int, steps: int, first: bool = True) -> str:
    store = open_store(path)
    exp = store.create_experiment(name="bench", search_space=SPACE, command=["python", "train.py"],
                                  max_trials=trials, concurrency=8, tuner="tpe")  # fmt: skip
    store.set_experiment_status(exp.id, "DONE")
    store.close()
    rng, now = random.Random(0), time.time() - trials
    conn = sqlite3.connect(path)
    trial_rows, inter_rows = [], []
    for seq in range(trials):
        params = {"train/lr/loguniform": 10 ** rng.uniform(-5, -1), "train/hidden/choice": rng.choice([16, 32, 64, 128, 256]),
                  "train/dropout/uniform": rng.uniform(0, 0.5), "train/act/choice": rng.choice(["relu", "tanh", "gelu"]),
                  "train/layers/randint": rng.randrange(1, 8)}  # fmt: skip
        quality = (
            1 - abs(math.log10(params["train/lr/loguniform"]) + 3) / 4 - params["train/dropout/uniform"] / 5
        )
        curve = [quality * (1 - math.exp(-(s + 1) / 6)) + rng.gauss(0, 0.01) for s in range(steps)]
        failed = seq % 50 == 49
        final = None if failed else curve[-1]
        tid = f"t{seq:05d}" if first else f"u{seq:05d}"
        trial_rows.append((exp.id, tid, seq, "FAILED" if failed else "SUCCEEDED", json.dumps(params), final,
                           None if final is None else json.dumps({"default": final, "loss": 1 - final}),
                           steps, curve[-1], 1 if failed else 0, now + seq, now + seq, now + seq + rng.uniform(5, 60),
                           f"/tmp/bench/{tid}", "[]", seq + 1))  # fmt: skip
        inter_rows.extend(
            (exp.id, tid, s, v, json.dumps(v), now + seq + s, seq + 1) for s, v in enumerate(curve)
        )
    conn.executemany(
        "INSERT INTO trials (experiment_id, id, seq, status, params, final_default, final_metric, intermediate_count,"
        " last_intermediate, exit_code, created_at, started_at, ended_at, dir, command, updated_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        trial_rows,
    )
    conn.executemany(
        "INSERT INTO intermediates (experiment_id, trial_id, seq, value_default, value, created_at, change_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        inter_rows,
    )
    conn.execute("UPDATE experiments SET change_seq = ? WHERE id = ?", (trials + 1, exp.id))
    conn.commit()
    conn.close()
    return exp.id


def timed(client, url: str, repeat: int) -> tuple[float, float, float, int]:
    """(first, median, worst) milliseconds and the answer's size; chart data is cached after the first."""
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(
                f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:200]}"
            )
        size = len(response.get_data())
    return times[0] * 1000, statistics.median(times) * 1000, max(times) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--browser", action="store_true", help="also time the pages in Debian's chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "store.db")
        start = time.perf_counter()
        exp = fill(path, args.trials, args.steps)
        other = fill(path, min(args.trials, 2000), args.steps, first=False)
        print(f"filled {args.trials} trials x {args.steps} intermediates in {time.perf_counter() - start:.1f} s "
              f"({os.path.getsize(path) / 1e6:.0f} MB)\n")  # fmt: skip
        client = create_app(path).test_client()
        api = f"/api/experiments/{exp}"
        cases = [
            ("trials API: first page (50)", f"{api}/trials"),
            ("trials API: sorted by metric, desc", f"{api}/trials?sort=final&order=desc"),
            ("trials API: sorted by a parameter", f"{api}/trials?sort=param:train/lr/loguniform"),
            ("trials API: sorted by a dict-metric key", f"{api}/trials?sort=metric:loss"),
            ("trials API: filters + search, page 3", f"{api}/trials?status=SUCCEEDED&p.train/act/choice=relu"
                                                     "&p.train/hidden/choice=64|128&q=t1&page=3"),
            ("trials API: last page (offset 19,950)", f"{api}/trials?page={max(1, args.trials // 50)}"),
            ("trials API: 500 rows", f"{api}/trials?size=500"),
            ("live update: changes since (nothing new)", f"{api}/changes?since={args.trials + 1}"),
            ("live update: changes since (10 trials new)", f"{api}/changes?since={args.trials - 9}"),
            ("experiment list page", "/"),
            ("overview page (HTML)", f"/experiments/{exp}"),
            ("trials page (HTML)", f"/experiments/{exp}/trials"),
            ("history API (best so far, all trials)", f"{api}/history"),
            ("charts API (sampled points, importance)", f"{api}/charts"),
            ("curves API (top 50 + per-step band)", f"{api}/curves"),
            ("CSV export of all trials", f"{api}/trials.csv"),
            ("compare 3 trials (HTML)", f"/experiments/{exp}/compare?trials=t00001,t00002,t00003"),
            ("compare 2 experiments API", f"/api/compare?experiments={exp},{other}"),
        ]  # fmt: skip
        print(f"{'request':<46} {'first ms':>9} {'median ms':>10} {'max ms':>9} {'bytes':>10}")
        print("-" * 88)
        for name, url in cases:
            first, median, worst, size = timed(client, url, args.repeat)
            print(f"{name:<46} {first:>9.1f} {median:>10.1f} {worst:>9.1f} {size:>10,}")
        print(
            "\nthe experiment page = overview HTML + history API; the charts page = charts API + curves API"
        )
        print("(charts and the curves band are cached per change of the experiment: first = cold)")
        if args.browser:
            browser_figures(path, exp)


def browser_figures(path: str, exp: str) -> None:
    """Time to the first table rows and to every chart drawn, in Debian's chromium (cold server caches)."""
    from playwright.sync_api import sync_playwright

    from nniannot.viewer.server import start_server

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"]  # fmt: skip
    viewer = start_server(path, "127.0.0.1", 0)
    charts = ("parallel", "best", "scatter", "curves", "durations", "importance", "slice", "contour",
                         "rank", "edf", "timeline")  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        print(f"\n{'in chromium':<46} {'ms':>9} {'JS heap MB':>11}")
        print("-" * 68)
        for name, address, ready in (
            ("trials page: first table rows", f"{viewer.url}experiments/{exp}/trials", ["#trials-table tbody tr[data-id]"]),
            ("overview page: best-so-far chart", f"{viewer.url}experiments/{exp}", ["#chart-best canvas"]),
            ("charts page: every chart drawn", f"{viewer.url}experiments/{exp}/charts", [f"#chart-{c} canvas" for c in charts]),
        ):  # fmt: skip
            start = time.perf_counter()
            page.goto(address)
            for selector in ready:
                page.wait_for_selector(selector, timeout=120_000)
            took = (time.perf_counter() - start) * 1000
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize / 1e6 : NaN")
            print(f"{name:<46} {took:>9.0f} {heap:>11.1f}")
        browser.close()
    viewer.shutdown()


if __name__ == "__main__":
    main()

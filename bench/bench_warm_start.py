"""Time from a free slot to a torch trial's first line, cold and warm. Run by hand::

    python bench/bench_warm_start.py [--trials 5] [--hold 8] [--dask]

A trial script (``import time`` first, then ``import torch``) records the time of its first line and the
time its imports are done. Two local backends run side by side, alternating one trial each: one starts
every trial cold (``--cold-start``: a new Python process), the other warm (the default: a spare
interpreter that has imported torch ahead). The clock starts when the trial is submitted, i.e. when its
slot is free. Each trial then works for ``--hold`` seconds, the time a real trial trains, during which the
next spare imports; the first trial of each backend is a warm-up and is not counted. ``--dask`` adds the
same two modes on the Dask backend (a local cluster of one process worker, shared file system).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from nniannot.runner.backends.base import FINISHED, Backend, TrialSpec
from nniannot.runner.backends.local import LocalBackend
from nniannot.runner.config import ExperimentConfig
from nniannot.runner.prepare import prepare_launch

SCRIPT = """import time
FIRST = time.time()
import torch
READY = time.time()
import json, os
with open(os.path.join(os.environ["NNI_SYS_DIR"], "times.json"), "w") as f:
    json.dump([FIRST, READY], f)
time.sleep(HOLD)
"""


def run_one(
    backend: Backend, command: list[str], env: dict[str, str], folder: str, trial: str
) -> list[float]:
    spec = TrialSpec("BENCH", trial, 0, command, folder, os.path.join(folder, trial), {}, env)
    start = time.time()
    backend.submit(spec)
    while not any(e.kind == FINISHED for e in backend.events(1.0)):
        pass
    with open(os.path.join(folder, trial, "times.json")) as f:
        first, ready = json.load(f)
    return [first - start, ready - start]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="counted trials per mode")
    parser.add_argument("--hold", type=float, default=8.0, help="seconds each trial works")
    parser.add_argument("--dask", action="store_true", help="the Dask backend's cold and warm starts too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "train.py"), "w") as f:
            f.write(SCRIPT.replace("HOLD", str(args.hold)))
        cfg = ExperimentConfig(script=os.path.join(tmp, "train.py"), code_dir=tmp, workdir=tmp)
        launch = prepare_launch(cfg, require_space=False, snapshots=os.path.join(tmp, "snapshots"))
        env = dict(launch.env)
        modes = {"cold (--cold-start)": False, "warm (torch pre-imported)": True}
        backends: dict[str, Backend] = {
            m: LocalBackend(warm_start=w, preload=(launch.command, env)) for m, w in modes.items()
        }
        cluster = None
        if args.dask:
            import logging

            from distributed import Client, LocalCluster

            from nniannot.runner.backends.dask import DaskBackend

            cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.ERROR)  # fmt: skip
            client = Client(cluster, set_as_default=False)
            for mode, warm in list(modes.items()):
                name = "dask " + mode.replace("torch pre-imported", "torch pre-imported on the worker")
                modes[name] = warm
                backends[name] = DaskBackend(client=client, shared_fs=True, warm_start=warm)
        seen: dict[str, list[list[float]]] = {m: [] for m in modes}
        try:
            for i in range(args.trials + 1):
                for mode, backend in backends.items():
                    prefix = ("d" if mode.startswith("dask") else "") + "cw"[modes[mode]]
                    took = run_one(backend, launch.command, env, tmp, f"{prefix}{i}")
                    if i:
                        seen[mode].append(took)
        finally:
            for backend in backends.values():
                backend.close()
            if cluster is not None:
                cluster.close()
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min, at the end)\n")
    print("| start | first line: median (min-max) | after `import torch`: median (min-max) |")
    print("|---|---|---|")
    for mode, rows in seen.items():
        cells = []
        for column in zip(*rows):
            cells.append(f"{statistics.median(column):.3f} s ({min(column):.3f}-{max(column):.3f})")
        print(f"| {mode} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()

"""A real user's PyTorch project, run with nni-annot and with NNI 2.10.1 side by side. Run by hand::

    python bench/bench_real_project.py --nni-venv /tmp/bench-nni [--runs 3] [--epochs 50]

The project is a seeded MLP regression in the shape of a function-approximation walk-through: a plain-API
script (``import nni``, ``nni.get_next_parameter()``, a report per epoch and a final one), an NNI v1
config, a grid of 6 architectures, 50 epochs, concurrency 2. Each tool runs the same folder's copy,
alternating (nni-annot, NNI, nni-annot, ...), and the wall time is from the command to the experiment's end
(``nni-annot run --config`` exiting; NNI: ``nnictl create`` until ``check-status`` says DONE, polled every
0.2 s). The final results of every run are compared per architecture: they must be bit-identical.
``--with-cold`` adds ``nni-annot run --cold-start`` to the rotation, ``--without-nni`` leaves NNI out (the
ratios are then to the cold start).

NNI lives in its own virtualenv (``python -m venv /tmp/bench-nni && /tmp/bench-nni/bin/pip install
nni==2.10.1 "setuptools<81"``). This script patches NNI's REST server there to bind 127.0.0.1, and adds a
``.pth`` file so that NNI's trials import this Python's torch (the same build for both tools).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SCRIPT = """
import random

import numpy as np
import torch
from torch import nn

import nni


def target(x):
    return torch.sin(6 * x) * torch.exp(-2 * x) + x * x


def main():
    params = nni.get_next_parameter()
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    x = torch.rand(100, 1)
    y = target(x)
    sizes = [1, params["hidden_layer_1_size"]] + ([params["hidden_layer_2_size"]] if params["hidden_layer_2_size"] else [])
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 25):
            batch = order[i : i + 25]
            opt.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            opt.step()
        with torch.no_grad():
            mse = loss_fn(model(x), y).item()
        nni.report_intermediate_result(mse)
    nni.report_final_result(mse)


if __name__ == "__main__":
    main()
"""
SPACE = {
    "hidden_layer_1_size": {"_type": "choice", "_value": [16, 64]},
    "hidden_layer_2_size": {"_type": "choice", "_value": [0, 16, 32]},
}
CONFIG = """authorName: bench
experimentName: func_approx
trialConcurrency: 2
maxExecDuration: 1h
maxTrialNum: 6
trainingServicePlatform: local
searchSpacePath: search_space.json
useAnnotation: false
logDir: {log_dir}
tuner:
  builtinTunerName: GridSearch
trial:
  command: python3 func_approx.py
  codeDir: .
  gpuNum: 0
"""


def make_project(folder: str, epochs: int) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "func_approx.py"), "w") as f:
        f.write(SCRIPT.replace("EPOCHS", str(epochs)))
    with open(os.path.join(folder, "search_space.json"), "w") as f:
        json.dump(SPACE, f)
    with open(os.path.join(folder, "config.yml"), "w") as f:
        f.write(CONFIG.format(log_dir=os.path.join(folder, "nni-log")))


def prepare_nni(venv: str) -> None:
    """Bind NNI's REST server to 127.0.0.1 and let its trials import this Python's torch."""
    lib = subprocess.run([f"{venv}/bin/python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    server = os.path.join(lib, "nni_node", "rest_server", "index.js")
    with open(server) as f:
        text = f.read()
    if "app.listen(this.port);" in text:
        with open(server, "w") as f:
            f.write(text.replace("app.listen(this.port);", "app.listen(this.port, '127.0.0.1');"))
    torch_dir = os.path.dirname(os.path.dirname(__import__("torch").__file__))
    with open(os.path.join(lib, "zz-bench-torch.pth"), "w") as f:
        f.write(torch_dir + "\n")


def _env(bin_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run_nniannot(project: str, home: str, extra: list[str]) -> tuple[float, dict[str, float]]:
    env = _env(os.path.dirname(sys.executable))
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    cmd = [
        sys.executable,
        "-m",
        "nniannot",
        "run",
        "--config",
        "config.yml",
        "--home",
        home,
        "--plain",
        *extra,
    ]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=project, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    out = subprocess.run([sys.executable, "-m", "nniannot", "export", "latest", "--format", "json", "--home", home],
                         cwd=project, env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
    results = {}
    for trial in json.loads(out)["trials"]:
        results[_key(trial["params"])] = trial["final"]
    return wall, results


def run_nni(project: str, venv: str, port: int) -> tuple[float, dict[str, float]]:
    env = _env(f"{venv}/bin")
    nnictl = [f"{venv}/bin/nnictl"]
    base = f"http://127.0.0.1:{port}/api/v1/nni"
    for attempt in range(3):  # under load nnictl sometimes gives up waiting for its own server: try again
        start = time.perf_counter()  # a failed attempt is not counted
        created = subprocess.run([*nnictl, "create", "--config", "config.yml", "--port", str(port)], cwd=project,
                                 env=env, capture_output=True, text=True)  # fmt: skip
        if created.returncode == 0:
            break
        tail = (created.stdout + created.stderr).strip().splitlines()[-3:]
        print(f"  nnictl create failed (attempt {attempt + 1}): {' / '.join(tail)}; trying again", flush=True)
        subprocess.run(
            [*nnictl, "stop", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    else:
        raise SystemExit("nnictl create failed three times")
    while True:
        status = json.loads(urllib.request.urlopen(f"{base}/check-status").read())["status"]
        if status in ("DONE", "ERROR", "STOPPED"):
            break
        time.sleep(0.2)
    wall = time.perf_counter() - start
    jobs = json.loads(urllib.request.urlopen(f"{base}/trial-jobs").read())
    results = {}
    for job in jobs:
        params = json.loads(job["hyperParameters"][0])["parameters"]
        final = job.get("finalMetricData") or [{}]
        results[_key(params)] = float(json.loads(json.loads(final[0]["data"]))) if final[0] else float("nan")
    subprocess.run([*nnictl, "stop", "--port", str(port)], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    if status != "DONE":
        raise SystemExit(f"NNI's experiment ended {status}")
    return wall, results


def _key(params: dict[str, object]) -> str:
    return f"{params['hidden_layer_1_size']}-{params['hidden_layer_2_size']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nni-venv", default="/tmp/bench-nni")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--with-cold", action="store_true", help="also nni-annot --cold-start")
    parser.add_argument("--without-nni", action="store_true", help="nni-annot only (with --with-cold)")
    args = parser.parse_args()
    tools = ["nni-annot", *(["nni-annot --cold-start"] if args.with_cold else [])]
    tools += [] if args.without_nni else ["NNI 2.10.1"]
    if not args.without_nni:
        prepare_nni(args.nni_venv)
    times: dict[str, list[float]] = {tool: [] for tool in tools}
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            for n, tool in enumerate(tools):
                project = os.path.join(tmp, f"p{n}-{i}")
                make_project(project, args.epochs)
                if tool.startswith("nni-annot"):
                    extra = tool.split()[1:]
                    wall, found = run_nniannot(project, os.path.join(tmp, f"home-{n}-{i}"), extra)
                else:
                    wall, found = run_nni(project, args.nni_venv, args.port + i)
                times[tool].append(wall)
                results.append(found)
                print(f"run {i + 1} {tool}: {wall:.1f} s", flush=True)
                shutil.rmtree(project, ignore_errors=True)
    report(times, results)


def report(times: dict[str, list[float]], results: list[dict[str, float]]) -> None:
    """The table (each tool's runs, their total and its ratio to the last tool's) and the results."""
    first = results[0]
    identical = all(found == first for found in results) and len(first) == 6
    base = times[list(times)[-1]]
    print(f"\ncommand: {' '.join(sys.argv)}")
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average at the end)\n")
    print(f"| tool | runs (s) | total | ratio of totals to {list(times)[-1]} | ratio per run |")
    print("|---|---|---|---|---|")
    for tool, runs in times.items():
        per_run = ", ".join(f"{a / b:.2f}" for a, b in zip(runs, base))
        cells = [
            ", ".join(f"{t:.1f}" for t in runs),
            f"{sum(runs):.1f}",
            f"{sum(runs) / sum(base):.2f}x",
            per_run,
        ]
        print(f"| {tool} | {' | '.join(cells)} |")
    print(f"\nfinal results bit-identical across all {len(results)} runs: {identical}")
    for key in sorted(first):
        print(f"  {key}: {first[key]!r}")


if __name__ == "__main__":
    main()

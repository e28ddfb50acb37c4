"""The viewer side by side with optuna-dashboard on the same big experiment, in Debian's chromium.

Run by hand: ``python bench/bench_optuna_dashboard.py [--trials N] [--steps S] [--rounds R] [--timeout T]
[--store PATH] [--optuna-db PATH] [--venv DIR]``. Optuna and optuna-dashboard live only in a bench
environment of their own, never in the project's::

    python3 -m venv /tmp/bench-odash && /tmp/bench-odash/bin/pip install "optuna>=4" optuna-dashboard

It fills a store as bench_viewer.py does (or reuses ``--store``), copies the same trials (parameters with
their distributions, values, intermediate values, states, start and end) into an Optuna study in SQLite
through that environment's python, serves both on 127.0.0.1 (each in a process of its own) and, taking
turns for R rounds with a fresh browser context per page, times the first table rows and a chart page
(our parallel coordinates against optuna-dashboard's), counts the JSON the page received and reads each
server's resident memory. A page that is not ready within T seconds is printed as "> T s".
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]  # fmt: skip
KINDS = ("trials", "chart", "history")
STATES = {"SUCCEEDED": "COMPLETE", "FAILED": "FAIL", "EARLY_STOPPED": "PRUNED", "USER_CANCELED": "FAIL"}


def export(path: str, out: str) -> tuple[str, int]:
    """Write the biggest experiment of the store as JSON lines for the copy; return its id and trial count."""
    conn = sqlite3.connect(path)
    exp_id, space, mode = conn.execute(
        "SELECT e.id, e.search_space, e.optimize_mode FROM experiments e"
        " ORDER BY (SELECT COUNT(*) FROM trials t WHERE t.experiment_id = e.id) DESC LIMIT 1"
    ).fetchone()
    curves: dict[str, dict[int, float]] = {}
    for tid, step, value in conn.execute(
        "SELECT trial_id, seq, value_default FROM intermediates WHERE experiment_id = ?", (exp_id,)
    ):
        if value is not None:
            curves.setdefault(tid, {})[step] = value
    count = 0
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps({"space": json.loads(space), "direction": mode}) + "\n")
        for tid, status, params, final, start, end in conn.execute(
            "SELECT id, status, params, final_default, started_at, ended_at FROM trials"
            " WHERE experiment_id = ? ORDER BY seq",
            (exp_id,),
        ):
            row = {"id": tid, "state": STATES.get(status, "FAIL"), "params": json.loads(params), "value": final,
                   "start": start, "end": end, "curve": curves.get(tid, {})}  # fmt: skip
            f.write(json.dumps(row) + "\n")
            count += 1
    conn.close()
    return exp_id, count


def copy_into_optuna(source: str, url: str) -> None:
    """In the bench environment's python: one Optuna study in SQLite from the exported trials.

    Each trial is made and checked by ``optuna.trial.create_trial``; ``study.add_trials`` would then take
    some 0.15 s of CPU a trial (queries per intermediate value), so the trials are written in bulk with
    Optuna's own table models, a thousand per transaction, and read back through ``optuna.load_study`` to
    check that every trial came back as it was made.
    """
    import datetime

    import optuna
    from optuna.storages._rdb import models
    from sqlalchemy import orm

    def distribution(spec: dict[str, Any]) -> Any:
        kind, value = spec["_type"], spec["_value"]
        if kind == "choice":
            return optuna.distributions.CategoricalDistribution(value)
        if kind == "randint":  # NNI's upper bound is exclusive
            return optuna.distributions.IntDistribution(int(value[0]), int(value[1]) - 1)
        if kind in ("uniform", "loguniform"):
            return optuna.distributions.FloatDistribution(value[0], value[1], log=kind == "loguniform")
        raise SystemExit(f"no Optuna distribution for {kind}")

    def model(study_id: int, trial: Any) -> Any:
        row = models.TrialModel(study_id=study_id, number=trial.number, state=trial.state,
                                datetime_start=trial.datetime_start, datetime_complete=trial.datetime_complete)  # fmt: skip
        for name, value in trial.params.items():
            dist = trial.distributions[name]
            models.TrialParamModel(trial=row, param_name=name, param_value=dist.to_internal_repr(value),
                                   distribution_json=optuna.distributions.distribution_to_json(dist))  # fmt: skip
        if trial.value is not None:
            stored, kind = models.TrialValueModel.value_to_stored_repr(trial.value)
            models.TrialValueModel(trial=row, objective=0, value=stored, value_type=kind)
        for step, value in trial.intermediate_values.items():
            stored, kind = models.TrialIntermediateValueModel.intermediate_value_to_stored_repr(value)
            models.TrialIntermediateValueModel(trial=row, step=step, intermediate_value=stored,
                                               intermediate_value_type=kind)  # fmt: skip
        for key, value in trial.user_attrs.items():
            models.TrialUserAttributeModel(trial=row, key=key, value_json=json.dumps(value))
        return row

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(url)
    made = []
    with open(source, encoding="utf-8") as f:
        head = json.loads(f.readline())
        dists = {name: distribution(spec) for name, spec in head["space"].items()}
        study = optuna.create_study(storage=storage, study_name="bench", direction=head["direction"])
        for number, line in enumerate(f):
            row = json.loads(line)
            state = optuna.trial.TrialState[row["state"]]
            trial = optuna.trial.create_trial(
                state=state,
                value=row["value"] if state == optuna.trial.TrialState.COMPLETE else None,
                params=row["params"],
                distributions={k: dists[k] for k in row["params"]},
                user_attrs={"nniannot_id": row["id"]},
                intermediate_values={int(k): v for k, v in row["curve"].items()},
            )
            trial.number = number
            trial.datetime_start = datetime.datetime.fromtimestamp(row["start"])
            trial.datetime_complete = datetime.datetime.fromtimestamp(row["end"])
            made.append(trial)
    study_id = study._study_id
    for first in range(0, len(made), 1000):
        with orm.Session(storage.engine) as session:
            session.add_all([model(study_id, trial) for trial in made[first : first + 1000]])
            session.commit()
    back = optuna.load_study(study_name="bench", storage=url).get_trials(deepcopy=False)
    fields = (
        "number",
        "state",
        "value",
        "params",
        "distributions",
        "intermediate_values",
        "user_attrs",
        "datetime_start",
        "datetime_complete",
    )
    wrong = [t.number for t, b in zip(made, back) if any(getattr(t, k) != getattr(b, k) for k in fields)]
    if len(back) != len(made) or wrong:
        raise SystemExit(f"the Optuna study does not hold the trials as made: {len(back)} read back, "
                         f"{len(wrong)} differ (first {wrong[:3]})")  # fmt: skip
    print(study_id, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers (the server process must stay alive)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as f:
                pids.extend(int(c) for c in f.read().split())
        except (OSError, StopIteration):
            pass
    return total


def load(browser: Any, address: str, selector: str, timeout: float) -> tuple[float | None, int, int, float]:
    """(seconds to ``selector`` or None on time-out, JSON bytes on the wire, JSON bytes decoded, JS heap MB)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    start = time.perf_counter()
    took: float | None = None
    try:
        page.goto(address, timeout=timeout * 1000, wait_until="commit")
        page.wait_for_selector(selector, timeout=max(1.0, timeout - (time.perf_counter() - start)) * 1000)
        took = time.perf_counter() - start
    except Exception as err:  # a time-out (or a page that broke) is a figure, not a crash
        if "Timeout" not in type(err).__name__:
            print(f"  {address}: {type(err).__name__}: {str(err).splitlines()[0]}", file=sys.stderr)
    wire = decoded = 0
    for request in list(finished):
        try:
            response = request.response()
            if response is None or "json" not in response.headers.get("content-type", ""):
                continue
            wire += max(0, request.sizes()["responseBodySize"])
            decoded += len(response.body())
        except Exception:  # a body the browser already dropped
            continue
    heap = float("nan")
    if took is not None:  # a page still busy past its time-out may never answer an evaluation
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize / 1e6 : NaN")
    context.close()
    return took, wire, decoded, heap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one page")
    parser.add_argument("--store", help="a store filled by an earlier run (kept)")
    parser.add_argument("--optuna-db", help="the Optuna SQLite file made by an earlier run (kept)")
    parser.add_argument("--venv", default="/tmp/bench-odash", help="the bench environment with optuna")
    parser.add_argument("--copy", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.copy:
        copy_into_optuna(*args.copy)
        return
    venv_python = os.path.join(args.venv, "bin", "python")
    if not os.path.exists(os.path.join(args.venv, "bin", "optuna-dashboard")):
        raise SystemExit(f"no optuna-dashboard in {args.venv}: see this file's docstring to install it")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or os.path.join(tmp, "store.db")
        if not os.path.exists(path):
            sys.path.insert(0, os.path.join(HERE, "bench"))
            from bench_viewer import fill

            start = time.perf_counter()
            fill(path, args.trials, args.steps)
            print(f"filled our store in {time.perf_counter() - start:.1f} s")
        exp_id, count = export(path, os.path.join(tmp, "trials.jsonl"))
        db = args.optuna_db or os.path.join(tmp, "optuna.db")
        if not os.path.exists(db):
            start = time.perf_counter()
            subprocess.run([venv_python, os.path.abspath(__file__), "--copy", os.path.join(tmp, "trials.jsonl"),
                            f"sqlite:///{os.path.abspath(db)}"], check=True)  # fmt: skip
            print(f"copied {count:,} trials into Optuna in {time.perf_counter() - start:.1f} s")
        run(args, path, exp_id, count, db)


def run(args: argparse.Namespace, path: str, exp_id: str, count: int, db: str) -> None:
    from playwright.sync_api import sync_playwright

    ours_port, theirs_port = free_port(), free_port()
    serve = ("import sys; from nniannot.viewer import serve; "
             "serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]), open_browser=False)")  # fmt: skip
    ours = subprocess.Popen([sys.executable, "-c", serve, path, str(ours_port)],
                            env={**os.environ, "PYTHONPATH": HERE}, stdout=subprocess.DEVNULL)  # fmt: skip
    theirs = subprocess.Popen([os.path.join(args.venv, "bin", "optuna-dashboard"), f"sqlite:///{os.path.abspath(db)}",
                               "--host", "127.0.0.1", "--port", str(theirs_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        ours_url, theirs_url = f"http://127.0.0.1:{ours_port}/", f"http://127.0.0.1:{theirs_port}/"
        wait_http(f"{ours_url}api/experiments", ours, 120)
        wait_http(f"{theirs_url}api/studies", theirs, 120)
        idle = {"ours": rss_mb(ours.pid), "theirs": rss_mb(theirs.pid)}
        with urllib.request.urlopen(f"{theirs_url}api/studies", timeout=60) as answer:
            studies = json.load(answer)["study_summaries"]
        study = next(s["study_id"] for s in studies if s["study_name"] == "bench")
        # optuna-dashboard 0.21 shows its trials table (and its parallel coordinates) on the Smart Selection
        # page; its /trialTable address draws nothing.
        pages = {
            ("trials", "ours"): (f"{ours_url}experiments/{exp_id}/trials", "#trials-table tbody tr[data-id]"),
            ("trials", "theirs"): (f"{theirs_url}dashboard/studies/{study}/smartSelection", "table tbody tr td"),
            ("chart", "ours"): (f"{ours_url}experiments/{exp_id}/charts", "#chart-parallel canvas"),
            ("chart", "theirs"): (f"{theirs_url}dashboard/studies/{study}/smartSelection",
                                  "#plot-parallel-coordinate .parcoords"),
            ("history", "ours"): (f"{ours_url}experiments/{exp_id}", "#chart-best canvas"),
            ("history", "theirs"): (f"{theirs_url}dashboard/studies/{study}", "#plot-history .scatterlayer .trace"),
        }  # fmt: skip
        results: dict[tuple[str, str], list[tuple[float | None, int, int, float]]] = {k: [] for k in pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            for round_no in range(args.rounds):
                sides = ("ours", "theirs") if round_no % 2 == 0 else ("theirs", "ours")
                for kind in KINDS:
                    for side in sides:
                        address, selector = pages[(kind, side)]
                        results[(kind, side)].append(load(browser, address, selector, args.timeout))
                        took = results[(kind, side)][-1][0]
                        shown = f"{took:.2f} s" if took is not None else f"> {args.timeout:.0f} s"
                        print(f"round {round_no + 1}: {kind} page, {side}: {shown}", flush=True)
            browser.close()
        loaded = {"ours": rss_mb(ours.pid), "theirs": rss_mb(theirs.pid)}
    finally:
        for proc in (ours, theirs):
            proc.terminate()
            proc.wait(timeout=30)
    report(args, count, results, idle, loaded)


def report(args: argparse.Namespace, count: int, results: dict[tuple[str, str], list[Any]],
           idle: dict[str, float], loaded: dict[str, float]) -> None:  # fmt: skip
    def seconds(kind: str, side: str) -> str:
        times = [r[0] for r in results[(kind, side)]]
        shown = [f"{t:.2f} s" if t is not None else f"> {args.timeout:.0f} s" for t in times]
        done = [t for t in times if t is not None]
        median = f"{statistics.median(done):.2f} s" if len(done) == len(times) and len(times) > 2 else ""
        return " / ".join(shown) + (f" (median {median})" if median else "")

    def json_bytes(kind: str, side: str) -> str:
        wire, decoded = results[(kind, side)][0][1:3]
        return f"{decoded / 1e3:,.0f} kB" + (
            f" ({wire / 1e3:,.0f} kB on the wire)" if wire != decoded else ""
        )

    def heap(kind: str, side: str) -> str:
        return " / ".join(f"{r[3]:.0f} MB" for r in results[(kind, side)])

    print(f"\n`{' '.join([os.path.basename(sys.executable), *sys.argv])}` — {count:,} trials x {args.steps} "
          f"intermediates; load average {os.getloadavg()[0]:.1f} at the end (2 cores)\n")  # fmt: skip
    print(
        f"| {count:,} trials x {args.steps} steps; round 1 / 2 / ... | nni-annot viewer | optuna-dashboard |"
    )
    print("|---|---|---|")
    for kind, label in (("trials", "first table rows"), ("chart", "parallel coordinates drawn"),
                        ("history", "history chart drawn")):  # fmt: skip
        print(f"| chromium: {label} | {seconds(kind, 'ours')} | {seconds(kind, 'theirs')} |")
    for kind in KINDS:
        print(
            f"| JSON received by the {kind} page, round 1 | {json_bytes(kind, 'ours')} | {json_bytes(kind, 'theirs')} |"
        )
    for kind in KINDS:
        print(f"| JS heap, {kind} page | {heap(kind, 'ours')} | {heap(kind, 'theirs')} |")
    print(f"| server RSS idle / after the pages | {idle['ours']:.0f} / {loaded['ours']:.0f} MB "
          f"| {idle['theirs']:.0f} / {loaded['theirs']:.0f} MB |")  # fmt: skip


if __name__ == "__main__":
    main()

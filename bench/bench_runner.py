"""Runner figures, run by hand: ``python bench/bench_runner.py [--quick]``. Prints a table.

1. 30 trials of a script that sleeps 1 s, concurrency 2: wall time from command to exit (ideal 15 s).
2. A script that does nothing, 60 trials at concurrency 2: trials per second and overhead per trial.
3. Peak RSS of the runner process (VmHWM) during a 200-trial experiment of the do-nothing script.
4. Store reads with 20,000 trials x 30 intermediates (list, a page of the best, changes since).

``--scale N`` runs one long experiment instead: N do-nothing trials at concurrency 4 (``--scale-tuner``,
default tpe), and prints the runner's throughput per thousand trials (from the trials' recorded end
times) and its peak RSS, to show whether either grows with the number of results.

Everything runs in a temporary home; trials are annotated scripts started through nni-annot's launcher.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

SLEEPER = """
import time
'''@nni.variable(nni.uniform(0, 1), name=x)'''
x = 0.5
time.sleep(1)
'''@nni.report_final_result(x)'''
"""
NOTHING = """
'''@nni.variable(nni.uniform(0, 1), name=x)'''
x = 0.5
'''@nni.report_final_result(x)'''
"""


def _write(folder: str, name: str, text: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def _run(folder: str, script: str, trials: int, concurrency: int, tuner: str = "random") -> tuple[float, int]:
    """Wall seconds of `nni-annot run` and the runner's peak RSS in kB (sampled from /proc)."""
    home = os.path.join(folder, "home")
    cmd = [sys.executable, "-m", "nniannot", "run", script, "--home", home, "--tuner", tuner, "--plain",
           "--max-trials", str(trials), "--concurrency", str(concurrency)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _hwm(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"run failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, peak


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _store_reads(folder: str, n_trials: int) -> dict[str, float]:
    from nniannot.runner.store import open_reader, open_store

    path = os.path.join(folder, "big.db")
    store = open_store(path)
    exp = store.create_experiment(name="big", optimize_mode="maximize")
    conn = store._conn  # bulk fill: the write path is measured by the runs above
    conn.execute("BEGIN")
    for i in range(n_trials):
        v = random.random()
        conn.execute(
            "INSERT INTO trials (experiment_id, id, seq, status, params, final_default, final_metric,"
            " intermediate_count, created_at, started_at, ended_at, updated_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (exp.id, f"T{i:06d}", i, "SUCCEEDED", json.dumps({"x": v}), v, json.dumps(v), 30, 0, 1, 2, i + 1),
        )
        conn.executemany(
            "INSERT INTO intermediates VALUES (?,?,?,?,?,?,?)",
            [(exp.id, f"T{i:06d}", k, v, json.dumps(v), 0, i + 1) for k in range(30)],
        )
    conn.execute("UPDATE experiments SET change_seq = ? WHERE id = ?", (n_trials, exp.id))
    conn.execute("COMMIT")
    store.close()
    out = {}
    with open_reader(path) as reader:
        for label, call in [
            ("list_experiments", lambda: reader.list_experiments()),
            (
                "page of 50 best trials",
                lambda: reader.list_trials(exp.id, order_by="best", limit=50, offset=500),
            ),
            ("changes_since (last 10)", lambda: reader.changes_since(exp.id, n_trials - 10)),
            ("curves of 50 trials", lambda: reader.curves(exp.id, [f"T{i:06d}" for i in range(50)])),
        ]:
            start = time.perf_counter()
            for _ in range(5):
                call()
            out[label] = (time.perf_counter() - start) / 5 * 1000
    return out


def _scale(trials: int, tuner: str, concurrency: int = 4) -> None:
    """One long do-nothing experiment: throughput per thousand trials and the runner's peak RSS."""
    from nniannot.runner.store import open_reader

    with tempfile.TemporaryDirectory() as folder:
        wall, peak = _run(folder, _write(folder, "nothing.py", NOTHING), trials, concurrency, tuner)
        with open_reader(os.path.join(folder, "home", "store.db")) as reader:
            (exp,) = reader.list_experiments()
            rows = reader._conn.execute(  # read-only: the end time of every trial, in order of end
                "SELECT ended_at, status FROM trials WHERE experiment_id = ? ORDER BY ended_at", (exp.id,)
            ).fetchall()
    ends = [r[0] for r in rows]
    failed = sum(1 for r in rows if r[1] != "SUCCEEDED")
    print(f"command: python bench/bench_runner.py --scale {trials} --scale-tuner {tuner}")
    print(f"{trials} do-nothing trials, concurrency {concurrency}, tuner {tuner}: wall {wall:.1f} s, "
          f"runner peak RSS {peak / 1024:.1f} MB, {failed} not SUCCEEDED, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    step = 1000 if trials >= 4000 else max(trials // 4, 1)
    print(f"{'trials':>13}  {'trials/s':>9}")
    for lo in range(0, len(ends) - 1, step):
        hi = min(lo + step, len(ends) - 1)
        rate = (hi - lo) / max(ends[hi] - ends[lo], 1e-9)
        print(f"{f'{lo + 1}-{hi + 1}':>13}  {rate:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke check)")
    parser.add_argument("--scale", type=int, metavar="N", help="one N-trial run at concurrency 4 instead")
    parser.add_argument("--scale-tuner", default="tpe")
    args = parser.parse_args()
    if args.scale:
        _scale(args.scale, args.scale_tuner)
        return
    sleepers, nothing, big = (6, 10, 20) if args.quick else (30, 60, 200)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        wall, _ = _run(folder, _write(folder, "sleeper.py", SLEEPER), sleepers, 2)
        rows.append(
            (f"{sleepers} x sleep(1 s), concurrency 2: wall", f"{wall:.2f} s", f"ideal {sleepers / 2:.1f} s")
        )
    with tempfile.TemporaryDirectory() as folder:
        wall, _ = _run(folder, _write(folder, "nothing.py", NOTHING), nothing, 2)
        rows.append((f"{nothing} do-nothing trials, concurrency 2", f"{nothing / wall:.1f} trials/s",
                     f"{wall / nothing * 2 * 1000:.0f} ms per trial per slot"))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        wall, peak = _run(folder, _write(folder, "nothing.py", NOTHING), big, 2)
        rows.append(
            (f"{big}-trial experiment: runner peak RSS", f"{peak / 1024:.1f} MB", f"wall {wall:.1f} s")
        )
    with tempfile.TemporaryDirectory() as folder:
        n = 2000 if args.quick else 20000
        for label, ms in _store_reads(folder, n).items():
            rows.append((f"store, {n} trials x 30: {label}", f"{ms:.1f} ms", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>16}  note")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>16}  {note}")


if __name__ == "__main__":
    main()

"""Watch mode: idle CPU of the watcher, and the time from saving a file to the new revision's first trial.

Run by hand (not a test)::

    python bench/bench_watch.py [--runs 7] [--idle-seconds 10]

Everything happens in a temporary folder with a throw-away home. ``nni-annot watch`` runs as a
subprocess, as a user would start it.

* idle CPU: once revision 1 has finished, the watcher's CPU time (user + system, from /proc) over
  ``--idle-seconds`` of wall time, with OS events and with ``--poll``.
* save -> first trial: the script's search space is edited and saved (one write); the figure is the new
  revision's first trial's ``started_at`` in the store minus the time just after the write. "idle": the
  previous revision had finished; "restart": a trial of the previous revision was running and is stopped.
  The debounce is part of the figure (the target is < 0.5 s plus the debounce).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nniannot.errors import StoreError
from nniannot.runner.home import Home
from nniannot.runner.store import open_reader

TRAIN = """import os
import time

'''@nni.variable(nni.uniform(0, {high}), name=x)'''
x = 0.5
while os.path.exists("hold"):
    time.sleep(0.02)
'''@nni.report_final_result(x)'''
"""


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _experiments(home: str) -> list:
    for _ in range(100):
        try:
            with open_reader(Home(home).store_path) as reader:
                return sorted(reader.list_experiments(), key=lambda e: e.created_at)
        except StoreError:  # the watcher is creating the store, or writing: try again
            time.sleep(0.01)
    raise SystemExit(f"cannot read the store in {home}")


def _first_start(home: str, exp_id: str) -> float | None:
    with open_reader(Home(home).store_path) as reader:
        starts = [t.started_at for t in reader.list_trials(exp_id) if t.started_at is not None]
    return min(starts) if starts else None


def _wait(predicate, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise SystemExit("timed out: is nni-annot watch working?")


class Watcher:
    def __init__(self, folder: Path, *args: str) -> None:
        self.folder, self.home = folder, str(folder / "home")
        self.train = folder / "train.py"
        self.high = 1
        self.train.write_text(TRAIN.format(high=self.high))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nniannot", "watch", "train.py", "--tuner", "random", "--max-trials", "1",
             "--home", self.home, *args],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(lambda: self.done(1))

    def done(self, count: int) -> bool:
        exps = _experiments(self.home)
        return len(exps) >= count and exps[count - 1].status == "DONE"

    def save_new_revision(self) -> float:
        """Edit the range, save; returns the seconds from the save to the new revision's first trial."""
        count = len(_experiments(self.home))
        self.high += 1
        self.train.write_text(TRAIN.format(high=self.high))
        saved = time.time()
        exp = _wait(lambda: len(e := _experiments(self.home)) > count and e[count])
        started = _wait(lambda: _first_start(self.home, exp.id))
        return started - saved

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def idle_cpu(folder: Path, seconds: float, *args: str) -> float:
    watcher = Watcher(folder, *args)
    try:
        time.sleep(1.0)  # let the finished revision's threads wind down
        cpu0, wall0 = _cpu_seconds(watcher.proc.pid), time.monotonic()
        time.sleep(seconds)
        return (_cpu_seconds(watcher.proc.pid) - cpu0) / (time.monotonic() - wall0)
    finally:
        watcher.close()


def latencies(folder: Path, runs: int, debounce: str, restart: bool) -> list[float]:
    watcher = Watcher(folder, "--debounce", debounce)
    hold = folder / "hold"
    out = []
    try:
        if restart:
            hold.touch()
            out.append(None)
            watcher.save_new_revision()  # a revision whose trial stays running
        for _ in range(runs):
            out.append(watcher.save_new_revision())
            if not restart:
                _wait(lambda: watcher.done(len(_experiments(watcher.home))))
    finally:
        hold.unlink(missing_ok=True)
        watcher.close()
    return [v for v in out if v is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    print(f"{'watcher idle':<28} {'CPU over ' + str(args.idle_seconds) + ' s':>16}")
    for label, extra in (("OS events (inotify)", ()), ("--poll", ("--poll",))):
        with tempfile.TemporaryDirectory() as tmp:
            share = idle_cpu(Path(tmp), args.idle_seconds, *extra)
        print(f"{label:<28} {share * 100:>15.2f}%")
    print()
    header = f"{'save -> first trial':<28} {'debounce':>8} {'median':>8} {'min':>8} {'max':>8} {'median - debounce':>18}"
    print(header)
    for debounce in ("200ms", "50ms"):
        for label, restart in (("idle", False), ("restart (trial running)", True)):
            with tempfile.TemporaryDirectory() as tmp:
                values = latencies(Path(tmp), args.runs, debounce, restart)
            delay = float(debounce[:-2]) / 1000
            med = statistics.median(values)
            print(f"{label:<28} {debounce:>8} {med:>7.3f}s {min(values):>7.3f}s {max(values):>7.3f}s"
                  f" {med - delay:>17.3f}s")  # fmt: skip
    print(f"\n{args.runs} saves per row; times from the store's trial started_at, the save's time.time()")


if __name__ == "__main__":
    main()

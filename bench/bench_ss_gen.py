"""Wall time of `nni-annot ss_gen` on generated annotated scripts, and of `import nniannot`.

Run by hand: ``python bench/bench_ss_gen.py [--runs 7]``. Each figure is the median of several runs of a
real subprocess (process start included). Targets: ss_gen < 0.3 s on ~300 lines, < 1.5 s on 10,000 lines;
``python -c "import nniannot"`` < 30 ms (the bare interpreter start is shown for reference).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK = '''\
class Model{i}:
    """A block of ordinary code with one annotated hyper-parameter per function."""

    def __init__(self, width):
        # the width of the hidden layer
        self.width = width
        """@nni.variable(nni.choice(16, 32, 64, 128), name=self.depth{i})"""
        self.depth{i} = 2

    def forward(self, x):
        total = 0.0
        for k in range(self.depth{i}):
            total += x * k / (k + 1)
        """@nni.function_choice(max(total, 0), min(total, 1), name=act{i})"""
        y = max(total, 0)
        return y


"""@nni.variable(nni.loguniform(1e-5, 1e-1), name=lr{i})"""
lr{i} = 0.01
"""@nni.variable(nni.quniform(0, 1, 0.1), name=dropout{i})"""
dropout{i} = 0.5
for epoch in range(2):
    value = Model{i}(8).forward(epoch) * lr{i}
    """@nni.report_intermediate_result(value)"""
'''


def make_script(lines: int) -> str:
    parts = ["import math\n\n"]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(BLOCK.format(i=i))
        i += 1
    parts.append('"""@nni.report_final_result(value)"""\n')
    return "".join(parts)


def cli() -> list[str]:
    """The console script installed next to this interpreter (not a shell shim, which adds its own cost)."""
    beside = Path(sys.executable).parent / "nni-annot"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("nni-annot")
    return [found] if found else [sys.executable, "-m", "nniannot"]


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{command} failed:\n{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (300, 10_000):
            path = Path(tmp) / f"train_{lines}.py"
            path.write_text(make_script(lines))
            actual = path.read_text().count("\n")
            rows.append(
                (f"nni-annot ss_gen ({actual} lines)", timed([*cli(), "ss_gen", str(path)], args.runs))
            )
    rows.append(('python -c "pass"', timed([sys.executable, "-c", "pass"], args.runs)))
    rows.append(('python -c "import nniannot"', timed([sys.executable, "-c", "import nniannot"], args.runs)))
    print(f"{'command':<40} {'median wall (s)':>16}   ({args.runs} runs each)")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>16.3f}")


if __name__ == "__main__":
    main()

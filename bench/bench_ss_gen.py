"""Wall time of `nni-annot ss_gen` on generated annotated scripts, and of `import nniannot`.

Run by hand: ``python bench/bench_ss_gen.py [--runs 7]``. Each figure is the median of several runs of a
real subprocess (process start included). Targets: ss_gen < 0.3 s on ~300 lines, < 1.5 s on 10,000 lines;
``python -c "import nniannot"`` < 30 ms (the bare interpreter start is shown for reference).

``--huge`` adds two big inputs, this generator at 100,000 lines and 60,000 annotations in one block, and
times ``ss_gen``, ``expand`` and ``run --max-trials 1`` up to the first trial's start (the ``started`` line)
on each; target < 3 s each (``--huge 60``: a run not started after 60 s shows ``inf``). ``--compare DIR``
runs every command also with the package of another checkout (``PYTHONPATH=DIR``), side by side, e.g.
the main branch before a change; the two take turns run by run, so that the machine speeding up or slowing
down during the benchmark moves both columns alike.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
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


def make_block(annotations: int) -> str:
    """``annotations`` annotated assignments in one block (the module's top level)."""
    parts = ["import math\n\n"]
    parts.extend(
        f'"""@nni.variable(nni.choice(1, 2, 3), name=v{i})"""\nv{i} = 1\n' for i in range(annotations)
    )
    parts.append('"""@nni.report_final_result(v0)"""\n')
    return "".join(parts)


def cli() -> list[str]:
    """The console script installed next to this interpreter (not a shell shim, which adds its own cost)."""
    beside = Path(sys.executable).parent / "nni-annot"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("nni-annot")
    return [found] if found else [sys.executable, "-m", "nniannot"]


def environ(tree: str | None) -> dict[str, str] | None:
    """The environment that runs the package of checkout ``tree`` (None: the installed one)."""
    return None if tree is None else {**os.environ, "PYTHONPATH": tree}


def timed(command: list[str], trees: list[str | None]) -> list[float]:
    """Wall seconds of one run of ``command`` with each checkout's package, in turn."""
    times = []
    for tree in trees:
        start = time.perf_counter()
        # Not from this folder: `python -c` imports from the working directory, ahead of PYTHONPATH.
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environ(tree),
            cwd=tempfile.gettempdir(),
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{command} failed:\n{done.stderr}")
    return times


def first_trial(script: Path, home: Path, tree: str | None, limit: float) -> float:
    """Seconds from ``nni-annot run`` to its first trial's ``started`` line (inf past ``limit``)."""
    shutil.rmtree(home, ignore_errors=True)
    command = [*cli(), "run", str(script), "--tuner", "random", "--max-trials", "1", "--plain"]
    command += ["--home", str(home)]
    start = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ(tree)
    ) as proc:
        assert proc.stdout is not None
        timer = threading.Timer(limit, proc.kill)
        timer.start()
        seen = math.inf
        for line in proc.stdout:
            if " started: " in line:
                seen = time.perf_counter() - start
                break
        timer.cancel()
        proc.kill()  # what the trial does after it started is not measured here
        proc.wait()
    return seen if seen <= limit else math.inf


Row = tuple[str, list[float]]


def median_row(name: str, runs: int, once: Callable[[], list[float]]) -> Row:
    """The median per checkout of ``runs`` rounds; each round runs every checkout once, so that a change
    in the machine's speed during the benchmark reaches every column alike."""
    rounds = [once() for _ in range(runs)]
    return name, [statistics.median(column) for column in zip(*rounds)]


def first_trials(script: Path, home: Path, trees: list[str | None], limit: float) -> list[float]:
    return [first_trial(script, home, tree, limit) for tree in trees]


def huge_rows(tmp: Path, runs: int, trees: list[str | None], limit: float) -> list[Row]:
    rows: list[Row] = []
    for label, text in (
        ("100,000-line generator", make_script(100_000)),
        ("60,000 annotations, one block", make_block(60_000)),
    ):
        path = tmp / f"huge_{len(rows)}.py"
        path.write_text(text)
        for command in ("ss_gen", "expand"):
            once = partial(timed, [*cli(), command, str(path)], trees)
            rows.append(median_row(f"{command} ({label})", runs, once))
        once = partial(first_trials, path, tmp / f"home{len(rows)}", trees, limit)
        rows.append(median_row(f"run: first trial started ({label})", runs, once))
    return rows


def measure(tmp: Path, runs: int, huge: float, trees: list[str | None]) -> list[Row]:
    rows = []
    for lines in (300, 10_000):
        path = tmp / f"train_{lines}.py"
        path.write_text(make_script(lines))
        actual = path.read_text().count("\n")
        once = partial(timed, [*cli(), "ss_gen", str(path)], trees)
        rows.append(median_row(f"nni-annot ss_gen ({actual} lines)", runs, once))
    if huge:
        rows.extend(huge_rows(tmp, runs, trees, huge))
    rows.append(median_row('python -c "pass"', runs, partial(timed, [sys.executable, "-c", "pass"], trees)))
    once = partial(timed, [sys.executable, "-c", "import nniannot"], trees)
    rows.append(median_row('python -c "import nniannot"', runs, once))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--huge",
        type=float,
        default=0,
        metavar="LIMIT",
        help="also the 100,000-line and 60,000-annotation inputs; a run not started in LIMIT s shows inf",
    )
    parser.add_argument("--compare", metavar="DIR", help="also run the package of this checkout")
    args = parser.parse_args()
    trees = checkouts(args.compare, None, "installed")
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp), args.runs, args.huge, [tree for tree, _ in trees])
    what = f"median wall seconds, {args.runs} runs each, checkouts in turn"
    print_table(what, "command", [name for _, name in trees], rows, 58)


def checkouts(compare: str | None, alone: str | None, name: str) -> list[tuple[str | None, str]]:
    """The package trees a benchmark runs, with their column names: ``compare`` and this checkout, or
    ``alone`` (None: the installed package) by itself."""
    here = str(Path(__file__).resolve().parent.parent)
    return [(compare, "compared"), (here, "this checkout")] if compare else [(alone, name)]


def print_table(
    what: str, first: str, columns: list[str], rows: list[Row], width: int, scale: float = 1
) -> None:
    """The command line, then one row per measurement with a column per checkout (values / ``scale``)."""
    print(f"python {' '.join(sys.argv)}   ({what})")
    print(f"{first:<{width}}" + "".join(f" {name:>15}" for name in columns))
    for name, values in rows:
        print(f"{name:<{width}}" + "".join(f" {value / scale:>15.3f}" for value in values))


if __name__ == "__main__":
    main()

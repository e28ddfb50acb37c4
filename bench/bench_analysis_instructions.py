"""Instructions (valgrind's callgrind) that analysing an annotated file takes: a count, not a time.

Run by hand: ``python bench/bench_analysis_instructions.py [--annotations 6000] [--compare DIR]``. On a
machine whose speed drifts, wall times of two checkouts minutes apart can differ by half; the number of
instructions executed by the same interpreter on the same input does not depend on the load. Each row is
one process under ``valgrind --tool=callgrind``: Python started with the transformer imported (the base),
and the same plus ``nniannot.transformer.core.analyze`` of the file's bytes (the net is the difference).
The inputs are ``bench_ss_gen.py``'s: N annotations in one block, and its generator at N*5 lines.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ss_gen import checkouts, make_block, make_script, print_table

ANALYSE = (
    "import sys\n"
    "from nniannot.transformer.core import analyze\n"
    "if len(sys.argv) > 1:\n"
    "    analyze(open(sys.argv[1], 'rb').read(), 'm', 'x.py')\n"
)


def instructions(args: list[str], tree: str | None, out: Path) -> int:
    env = {**os.environ, "PYTHONPATH": tree} if tree else None
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", ANALYSE, *args],
        capture_output=True, text=True, env=env, cwd=out.parent,  # not this folder: `-c` imports from the cwd
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotations", type=int, default=6000)
    parser.add_argument("--compare", metavar="DIR", help="also count with the package of this checkout")
    args = parser.parse_args()
    trees = checkouts(args.compare, str(Path(__file__).resolve().parent.parent), "this checkout")
    with tempfile.TemporaryDirectory() as tmp:
        block = Path(tmp) / "block.py"
        block.write_text(make_block(args.annotations))
        lines = Path(tmp) / "generator.py"
        lines.write_text(make_script(args.annotations * 5))
        columns = []
        for tree, _ in trees:
            base = instructions([], tree, Path(tmp) / "cg.base")
            nets = [instructions([str(path)], tree, Path(tmp) / "cg.file") - base for path in (block, lines)]
            columns.append([base, *nets])
    names = ["base: python + import", "block: net", "generator: net"]
    rows = [(name, [float(column[i]) for column in columns]) for i, name in enumerate(names)]
    what = f"instructions, 10^9; {args.annotations} annotations in the block"
    print_table(what, "", [name for _, name in trees], rows, 28, 1e9)


if __name__ == "__main__":
    main()

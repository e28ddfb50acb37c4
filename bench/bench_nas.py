"""Classic architecture search (TPE, 30 trials) against one-shot darts and enas plus retraining, on
examples/nas_mutable_layers; prints a table. Run by hand (not a test); needs torch.

    python bench/bench_nas.py --seeds 5

Per seed: the classic search is ``nni-annot run --config config.yml --seed S`` (TPE, 30 trials of 1000
epochs); each one-shot run is ``nni-annot run search.py --nas-mode M --seed S --retrain 1`` with the
script's own width and learning rate (batch tuner), i.e. one super-network trial then one classic trial
of the derived architecture. Time is the sum of those trials' durations (what the trials cost, not the
runner's wall time).

Two accuracies, both the validation accuracy the script reports:

- *reported*: for classic, the best of its 30 trials, selected on that same validation set, so it is
  the maximum of 30 noisy figures; for one-shot, the one retrained trial's;
- *retrained*: each search's final architecture (with its width and learning rate) trained again at
  ``--eval-seeds`` new seeds (``NNIANNOT_SEED`` 101, 102, ...: ``nni-annot trial search.py --params``),
  the mean. The same seeds for every search, so it compares architectures, not lucky draws. These
  evaluation trials are not part of any search's time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nas_mutable_layers"
DEFAULTS = {"search/width/choice": 32, "search/lr/loguniform": 0.01}


def nni_annot(home: str, *args: str, seed: int | None = None) -> str:
    env = {**os.environ, "NNIANNOT_HOME": home, "OMP_NUM_THREADS": "1"}
    if seed is not None:
        env["NNIANNOT_SEED"] = str(seed)
    done = subprocess.run(
        [sys.executable, "-m", "nniannot", *args], cwd=EXAMPLE, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"nni-annot {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def show(home: str, exp: str) -> dict:
    return json.loads(nni_annot(home, "show", exp, "--json"))


def experiments(stdout: str) -> list[str]:
    found = [line.split()[1] for line in stdout.splitlines() if line.startswith("experiment ")]
    return list(dict.fromkeys(found))  # each is named when it starts and again in its summary


def trial_seconds(doc: dict) -> float:
    return sum(t["duration"] or 0.0 for t in doc["trials"])


def classic(home: str, seed: int, trials: int) -> tuple[float, float, dict]:
    out = nni_annot(home, "run", "--config", "config.yml", "--seed", str(seed), "--max-trials", str(trials),
                    "--plain")  # fmt: skip
    doc = show(home, experiments(out)[0])
    return doc["best"]["value"], trial_seconds(doc), doc["best"]["params"]


ACCURACY = re.compile(r"validation accuracy ([\d.]+)")


def retrained(home: str, params: dict, seeds: list[int]) -> float:
    """The mean validation accuracy of ``params`` trained at each of ``seeds`` (two at a time)."""

    def one(seed: int) -> float:
        out = nni_annot(home, "trial", "search.py", "--params", json.dumps(params), seed=seed)
        return float(ACCURACY.findall(out)[-1])

    with ThreadPoolExecutor(2) as pool:
        return statistics.mean(pool.map(one, seeds))


def one_shot(home: str, mode: str, seed: int) -> tuple[float, float, float, dict]:
    config = {**DEFAULTS, "search/mutable_block_82": {}}
    out = nni_annot(
        home, "run", "search.py", "--nas-mode", mode, "--seed", str(seed), "--retrain", "1", "--tuner", "batch",
        "--tuner-arg", f"configs={json.dumps([config])}", "--plain",
    )  # fmt: skip
    search_id, retrain_id = experiments(out)[:2]
    searched, retrained = show(home, search_id), show(home, retrain_id)
    [trial] = retrained["trials"]
    supernet = searched["trials"][0]["final_default"]
    return (
        trial["final_default"],
        supernet,
        trial_seconds(searched) + trial_seconds(retrained),
        trial["params"],
    )


Row = tuple[float, float, float]  # reported accuracy, trial seconds, retrained accuracy


def table(rows: dict[str, list[Row]]) -> None:
    base = {k: statistics.mean(r[k] for r in rows["classic"]) for k in (0, 1, 2)}
    print(
        "| search | reported accuracy | retrained at new seeds | vs classic, retrained | vs classic, reported "
        "| trial time (s, mean) | share of classic |"
    )
    print("|---|---|---|---|---|---|---|")

    def spread(values: list[float]) -> str:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.4f} ± {sd:.4f}"

    for name, got in rows.items():
        reported, secs, again = ([r[k] for r in got] for k in (0, 1, 2))
        print(f"| {name} | {spread(reported)} | {spread(again)} | {100 * (statistics.mean(again) - base[2]):+.1f} pp "
              f"| {100 * (statistics.mean(reported) - base[0]):+.1f} pp | {statistics.mean(secs):.0f} "
              f"| {100 * statistics.mean(secs) / base[1]:.0f}% |")  # fmt: skip


LINE = re.compile(
    r"seed (\d+) (\w+): (?:best|supernet [\d.]+, retrained) ([\d.]+), new seeds ([\d.]+).*?\(?(?:trials )?(\d+) s\)?$"
)


def rows_from_log(path: str) -> dict[str, list[Row]]:
    """The per-seed lines a run printed (also of a run stopped before its last seed), complete seeds only."""
    found: dict[int, dict[str, Row]] = {}
    for line in Path(path).read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            seed, name, acc, again, secs = match.groups()
            found.setdefault(int(seed), {})[name] = (float(acc), float(secs), float(again))
    names = max((set(v) for v in found.values()), key=len, default=set())
    rows: dict[str, list[Row]] = {}
    for seed in sorted(found):
        if set(found[seed]) == names:
            for name in ["classic", *sorted(names - {"classic"})]:
                rows.setdefault(name, []).append(found[seed][name])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=30, help="trials of the classic search")
    parser.add_argument("--modes", default="darts,enas")
    parser.add_argument(
        "--eval-seeds", type=int, default=3, help="new seeds each final architecture trains at"
    )
    parser.add_argument(
        "--table", metavar="LOG", help="only print the table of the seeds a run's output holds"
    )
    opts = parser.parse_args()
    if opts.table:
        rows = rows_from_log(opts.table)
        print(f"$ python bench/bench_nas.py --table {opts.table}   ({len(rows['classic'])} complete seeds)")
        table(rows)
        return
    fresh = [101 + i for i in range(opts.eval_seeds)]
    rows: dict[str, list[Row]] = {"classic": []}
    with tempfile.TemporaryDirectory(prefix="bench-nas-") as home:
        for seed in range(1, opts.seeds + 1):
            acc, secs, params = classic(home, seed, opts.trials)
            again = retrained(home, params, fresh)
            rows["classic"].append((acc, secs, again))
            print(
                f"seed {seed} classic: best {acc:.4f}, new seeds {again:.4f}, trials {secs:.0f} s", flush=True
            )
            for mode in opts.modes.split(","):
                acc, net, secs, params = one_shot(home, mode, seed)
                again = retrained(home, params, fresh)
                rows.setdefault(mode, []).append((acc, secs, again))
                arch = params["search/mutable_block_82"]
                chosen = ", ".join(f"{v['chosen_layer']}+{v['chosen_inputs']}" for v in arch.values())
                print(
                    f"seed {seed} {mode}: supernet {net:.4f}, retrained {acc:.4f}, new seeds {again:.4f}: "
                    f"{chosen} ({secs:.0f} s)",
                    flush=True,
                )
    print(
        f"\n$ python bench/bench_nas.py --seeds {opts.seeds} --trials {opts.trials} --modes {opts.modes} "
        f"--eval-seeds {opts.eval_seeds}"
    )
    table(rows)


if __name__ == "__main__":
    main()

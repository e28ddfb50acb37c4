"""Classic architecture search (TPE, 30 trials) against one-shot darts and enas plus retraining, on
examples/nas_mutable_layers; prints a table. Run by hand (not a test); needs torch.

    python bench/bench_nas.py --seeds 5

Per seed: the classic search is ``nni-annot run --config config.yml --seed S`` (TPE, 30 trials of 200
epochs); each one-shot run is ``nni-annot run search.py --nas-mode M --seed S --retrain 1`` with the
script's own width and learning rate (batch tuner), i.e. one super-network trial then one classic trial
of the derived architecture. Accuracy is validation accuracy as the script reports it: for classic, the
best of its 30 trials (selected on that same validation set, so optimistic); for one-shot, the retrained
trial's. Time is the sum of the trials' durations (what the trials cost, not the runner's wall time).
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
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nas_mutable_layers"
DEFAULTS = {"search/width/choice": 32, "search/lr/loguniform": 0.01}


def nni_annot(home: str, *args: str) -> str:
    env = {**os.environ, "NNIANNOT_HOME": home, "OMP_NUM_THREADS": "1"}
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


def classic(home: str, seed: int, trials: int) -> tuple[float, float]:
    out = nni_annot(home, "run", "--config", "config.yml", "--seed", str(seed), "--max-trials", str(trials),
                    "--plain")  # fmt: skip
    doc = show(home, experiments(out)[0])
    return doc["best"]["value"], trial_seconds(doc)


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


def table(rows: dict[str, list[tuple[float, float]]]) -> None:
    base_acc = statistics.mean(a for a, _ in rows["classic"])
    base_secs = statistics.mean(s for _, s in rows["classic"])
    print(
        "| search | accuracy (mean ± sd over seeds) | vs classic | trial time (s, mean) | share of classic |"
    )
    print("|---|---|---|---|---|")
    for name, got in rows.items():
        accs, secs = [a for a, _ in got], [s for _, s in got]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        mean_secs = statistics.mean(secs)
        print(f"| {name} | {statistics.mean(accs):.4f} ± {sd:.4f} | {100 * (statistics.mean(accs) - base_acc):+.1f} pp "
              f"| {mean_secs:.0f} | {100 * mean_secs / base_secs:.0f}% |")  # fmt: skip


LINE = re.compile(
    r"seed (\d+) (\w+): (?:best|supernet [\d.]+, retrained) ([\d.]+).*?\(?(?:trials )?(\d+) s\)?$"
)


def rows_from_log(path: str) -> dict[str, list[tuple[float, float]]]:
    """The per-seed lines a run printed (also of a run stopped before its last seed), complete seeds only."""
    found: dict[int, dict[str, tuple[float, float]]] = {}
    for line in Path(path).read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            seed, name, acc, secs = match.groups()
            found.setdefault(int(seed), {})[name] = (float(acc), float(secs))
    names = max((set(v) for v in found.values()), key=len, default=set())
    rows: dict[str, list[tuple[float, float]]] = {}
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
        "--table", metavar="LOG", help="only print the table of the seeds a run's output holds"
    )
    opts = parser.parse_args()
    if opts.table:
        rows = rows_from_log(opts.table)
        print(f"$ python bench/bench_nas.py --table {opts.table}   ({len(rows['classic'])} complete seeds)")
        table(rows)
        return
    rows = {"classic": []}
    with tempfile.TemporaryDirectory(prefix="bench-nas-") as home:
        for seed in range(1, opts.seeds + 1):
            acc, secs = classic(home, seed, opts.trials)
            rows["classic"].append((acc, secs))
            print(f"seed {seed} classic: best {acc:.4f}, trials {secs:.0f} s", flush=True)
            for mode in opts.modes.split(","):
                acc, net, secs, params = one_shot(home, mode, seed)
                rows.setdefault(mode, []).append((acc, secs))
                arch = params["search/mutable_block_82"]
                chosen = ", ".join(f"{v['chosen_layer']}+{v['chosen_inputs']}" for v in arch.values())
                print(
                    f"seed {seed} {mode}: supernet {net:.4f}, retrained {acc:.4f}: {chosen} ({secs:.0f} s)",
                    flush=True,
                )
    print(f"\n$ python bench/bench_nas.py --seeds {opts.seeds} --trials {opts.trials} --modes {opts.modes}")
    table(rows)


if __name__ == "__main__":
    main()

"""Benchmark nni-annot's assessors on the shared learning curves; prints a table.

Run by hand (not a test):

    python bench/bench_assessors.py --seeds 20

Per seed, the 100 configurations of ``lc_curves.json`` run one after another; each reports its 27 values
one epoch at a time and the assessor may stop it. Reported per rule: epochs saved, the best final value
among trials that ran to the end (observed, and the true final of that trial), the paired loss against
no stopping (in true final values, as the reference reports it, and observed), how often the no-stopping winner survived, and the time per decision. Figures to compare
with are in ``assessors_reference.md`` (Optuna's pruners and NNI's assessors on the same curves).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("NNIANNOT_SHARED", HERE.parent.parent / "shared")) / "bench"
sys.path.insert(0, str(HERE.parent))

RULES = {
    "none": None,
    "medianstop": ("medianstop", {}),
    "medianstop_s5": ("medianstop", {"start_step": 5}),
    "asha": ("asha", {}),
    "curvefitting": ("curvefitting", {"epoch_num": 27}),
}


def run_seed(rule, trials) -> dict:
    from nniannot.runner.assessors import make_assessor

    assessor = make_assessor(rule[0], optimize_mode="maximize", **rule[1]) if rule else None
    epochs, finals, decisions, spent = 0, {}, 0, 0.0
    for i, trial in enumerate(trials):
        curve, tid, stopped = trial["curve"], str(i), False
        for t in range(1, len(curve) + 1):
            epochs += 1
            if assessor is None:
                continue
            t0 = time.perf_counter()
            stop = assessor.assess(tid, curve[:t])
            spent += time.perf_counter() - t0
            decisions += 1
            if stop:
                assessor.trial_end(tid, curve[:t], True)
                stopped = True
                break
        if not stopped:
            finals[i] = curve[-1]
            if assessor is not None:
                assessor.trial_end(tid, curve, True)
    winner = max(finals, key=finals.get)
    return {
        "saved": 1 - epochs / sum(len(t["curve"]) for t in trials),
        "stopped": len(trials) - len(finals),
        "best": finals[winner],
        "true": trials[winner]["true_final"],
        "finished": set(finals),
        "ms": 1000 * spent / max(decisions, 1),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--rules", default=",".join(RULES))
    a = ap.parse_args(argv)
    data = json.loads((SHARED / "lc_curves.json").read_text())["seeds"]
    seeds = sorted(data, key=int)[: a.seeds]
    base = {s: run_seed(None, data[s]) for s in seeds}
    print(
        "| rule | seeds | epochs saved (median) | mean | trials stopped (median) | best final, observed (median) "
        "| true final of selected (median) | paired loss vs none, true (mean) | observed (mean) | no-stop winner kept "
        "| ms/decision |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in a.rules.split(","):
        res = {s: run_seed(RULES[name], data[s]) for s in seeds}
        saved = [r["saved"] for r in res.values()]
        loss = [base[s]["true"] - res[s]["true"] for s in seeds]
        seen_loss = [base[s]["best"] - res[s]["best"] for s in seeds]
        kept = [
            max(base[s]["finished"], key=lambda i: data[s][i]["curve"][-1]) in res[s]["finished"]
            for s in seeds
        ]
        print(
            f"| {name} | {len(seeds)} | {statistics.median(saved):.3f} | {statistics.mean(saved):.3f} "
            f"| {statistics.median(r['stopped'] for r in res.values()):.0f} "
            f"| {statistics.median(r['best'] for r in res.values()):.4f} "
            f"| {statistics.median(r['true'] for r in res.values()):.4f} | {statistics.mean(loss):.4f} "
            f"| {statistics.mean(seen_loss):.4f} "
            f"| {sum(kept) / len(kept):.2f} | {statistics.mean(r['ms'] for r in res.values()):.3f} |"
        )


if __name__ == "__main__":
    main()

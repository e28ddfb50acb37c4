from __future__ import annotations

from nniannot.runner.tuners import make_tuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def test_first_bracket_halves_by_eta_and_promotes_the_best():
    tuner = make_tuner("Hyperband", SPACE, optimize_mode="minimize", seed=0, R=9, eta=3)
    first = [tuner.suggest(str(i)) for i in range(9)]
    assert [p["TRIAL_BUDGET"] for p in first] == [1] * 9
    for i, p in enumerate(first):
        tuner.observe(str(i), p, p["x"])
    second = [tuner.suggest(f"b{i}") for i in range(3)]
    assert [p["TRIAL_BUDGET"] for p in second] == [3] * 3
    assert sorted(p["x"] for p in second) == sorted(p["x"] for p in first)[:3]
    for i, p in enumerate(second):
        tuner.observe(f"b{i}", p, p["x"])
    last = tuner.suggest("c")
    assert last["TRIAL_BUDGET"] == 9 and last["x"] == min(p["x"] for p in first)


def test_next_bracket_starts_while_results_are_pending():
    tuner = make_tuner("hyperband", SPACE, seed=0, R=9, eta=3)
    budgets = [tuner.suggest(str(i))["TRIAL_BUDGET"] for i in range(9 + 5)]
    assert budgets[9:] == [3] * 5  # bracket s=1 starts at budget 3 instead of waiting


def test_bohb_budgets_span_min_to_max():
    tuner = make_tuner("BOHB", SPACE, optimize_mode="minimize", seed=0, min_budget=1, max_budget=27, eta=3)
    seen = set()
    for i in range(200):
        p = tuner.suggest(str(i))
        seen.add(p["TRIAL_BUDGET"])
        tuner.observe(str(i), p, p["x"] / p["TRIAL_BUDGET"])
    assert seen == {1, 3, 9, 27}

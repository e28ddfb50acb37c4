from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot.errors import TunerError
from nniannot.runner.assessors import make_assessor


def _run(assessor, trial_id, curve):
    """Feed a curve step by step; return the step it was stopped at (or None) and the reported prefix."""
    for t in range(1, len(curve) + 1):
        if assessor.assess(trial_id, curve[:t]):
            return t, curve[:t]
    return None, curve


def test_bad_trial_is_stopped_and_good_one_kept():
    a = make_assessor("Medianstop", optimize_mode="maximize")
    for i, curve in enumerate([[0.5, 0.6, 0.7, 0.8], [0.4, 0.5, 0.6, 0.7], [0.6, 0.7, 0.8, 0.9]]):
        _stopped, seen = _run(a, f"ref{i}", curve)
        a.trial_end(f"ref{i}", seen, True)
    assert _run(a, "bad", [0.1, 0.1, 0.1, 0.1])[0] == 1
    assert _run(a, "good", [0.7, 0.8, 0.9, 0.95])[0] is None


def test_start_step_is_honoured():
    a = make_assessor("medianstop", optimize_mode="maximize", start_step=3)
    a.assess("ref", [0.5, 0.6, 0.7])
    a.trial_end("ref", [0.5, 0.6, 0.7], True)
    assert not a.assess("bad", [0.0])
    assert not a.assess("bad", [0.0, 0.0])
    assert a.assess("bad", [0.0, 0.0, 0.0])


def test_minimize_and_nothing_before_a_completed_trial():
    a = make_assessor("medianstop", optimize_mode="minimize")
    assert not a.assess("first", [10.0])
    a.trial_end("first", [10.0, 5.0], True)
    assert a.assess("second", [20.0])
    assert not a.assess("third", [1.0])


def test_stopped_and_failed_trials_do_not_join_the_reference():
    a = make_assessor("medianstop")
    a.assess("ok", [0.9])
    a.trial_end("ok", [0.9], True)
    assert a.assess("low", [0.1])
    a.trial_end("low", [0.1], True)  # it was stopped: NNI does not count it
    a.assess("failed", [0.0])
    a.trial_end("failed", [0.0], False)
    a.assess("ok2", [0.95])
    a.trial_end("ok2", [0.95], True)
    # reference is now {0.9, 0.95}: lower median 0.9
    assert a.assess("x", [0.85])
    assert not a.assess("y", [0.9])


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_start_step(bad):
    with pytest.raises(TunerError, match="start_step"):
        make_assessor("medianstop", start_step=bad)


def test_unknown_assessor_lists_known_ones():
    with pytest.raises(TunerError, match="medianstop"):
        make_assessor("nope")


def _nni_rule(completed: list[list[float]], history: list[float], start_step: int, maximize: bool) -> bool:
    """NNI's Medianstop decision written out from its definition, recomputed from scratch."""
    step = len(history)
    if step < start_step:
        return False
    avgs = sorted(sum(c[:step]) / step for c in completed if len(c) >= step)
    if not avgs:
        return False
    if maximize:
        return max(history) < avgs[(len(avgs) - 1) // 2]
    return min(history) > avgs[len(avgs) // 2]


curves = st.lists(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(curves=curves, start_step=st.integers(0, 4), maximize=st.booleans())
def test_decisions_match_nni_rule(curves, start_step, maximize):
    a = make_assessor(
        "medianstop", optimize_mode="maximize" if maximize else "minimize", start_step=start_step
    )
    completed: list[list[float]] = []
    for i, curve in enumerate(curves):
        stopped, seen_by_assessor = False, False
        for t in range(1, len(curve) + 1):
            expected = _nni_rule(completed, curve[:t], start_step, maximize)
            seen_by_assessor = seen_by_assessor or t >= max(start_step, 1)
            assert a.assess(str(i), curve[:t]) == expected
            if expected:
                a.trial_end(str(i), curve[:t], True)
                stopped = True
                break
        if not stopped:
            a.trial_end(str(i), curve, True)
            if seen_by_assessor:
                completed.append(curve)

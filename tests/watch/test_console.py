"""What the watch prints, and the watch command's own options."""

from __future__ import annotations

import io

import click
import pytest

from nniannot.cli.watch import Debounce
from nniannot.runner.watch import WatchConsole


def test_revision_lines_diff_and_clear():
    out, cleared = io.StringIO(), []
    console = WatchConsole(out, clear=lambda: cleared.append(True))
    console.revision_started(1, "AAAA", None, [])
    console.revision_started(2, "BBBB", "AAAA", ["~ train/x/uniform: uniform(0, 1) -> uniform(0, 2)"])
    console.revision_started(3, "CCCC", "BBBB", [])
    text = out.getvalue()
    assert (
        "revision 2: experiment BBBB (after AAAA)\n  ~ train/x/uniform: uniform(0, 1) -> uniform(0, 2)\n"
        in text
    )
    assert "revision 3: experiment CCCC (after BBBB)\n  search space unchanged; the code changed\n" in text
    assert len(cleared) == 3


def test_trial_lines_carry_the_revision():
    out = io.StringIO()
    listener = WatchConsole(out).trial_listener(
        4, {"train/x/uniform": {"_type": "uniform", "_value": [0, 1]}}
    )
    listener.trial_started("abcde", 0, {"train/x/uniform": 0.5})
    assert "r4 trial #0 abcde started: x=0.5" in out.getvalue()


@pytest.mark.parametrize(("text", "seconds"), [("200", 0.2), ("200ms", 0.2), ("0.5s", 0.5), ("0", 0.0)])
def test_debounce_values(text, seconds):
    assert Debounce().convert(text, None, None) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["fast", "-1", "2m", ""])
def test_bad_debounce_values(text):
    with pytest.raises(click.BadParameter):
        Debounce().convert(text, None, None)

"""The debouncer: a burst of events is one call with every item of the burst."""

from __future__ import annotations

import threading

from nniannot.runner.watch.observer import Debouncer


def _collector():
    calls: list[set[str]] = []
    done = threading.Event()

    def callback(items: set[str]) -> None:
        calls.append(items)
        done.set()

    return calls, done, callback


def test_a_burst_is_one_call():
    calls, done, callback = _collector()
    debouncer = Debouncer(1.0, callback)  # far longer than the burst takes, even on a loaded machine
    for i in range(50):
        debouncer.poke(f"f{i % 3}.py")
    assert done.wait(60)
    debouncer.cancel()
    assert calls == [{"f0.py", "f1.py", "f2.py"}]


def test_cancel_drops_what_is_pending():
    calls, done, callback = _collector()
    debouncer = Debouncer(0.05, callback)
    debouncer.poke("a.py")
    debouncer.cancel()
    assert not done.wait(0.5)
    assert calls == []


def test_a_later_burst_is_another_call():
    calls, done, callback = _collector()
    debouncer = Debouncer(0.01, callback)
    debouncer.poke("a.py")
    assert done.wait(60)
    done.clear()
    debouncer.poke("b.py")
    assert done.wait(60)
    assert calls == [{"a.py"}, {"b.py"}]

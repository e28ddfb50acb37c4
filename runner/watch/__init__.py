"""Watch mode: re-transform the trial on every save and run a new revision of the experiment per real change.

Typical use (what ``nni-annot watch`` does)::

    session = WatchSession(make_config, Home.resolve(), WatchOptions(on_change="restart"), WatchConsole(out))
    signal.signal(signal.SIGINT, lambda *_: session.stop())
    session.run()   # returns after stop(): running trials stopped, experiments marked STOPPED

A revision is an experiment of its own (same name, ``revision`` 1, 2, ..., ``parent_id`` the previous one),
so older results are kept but never fed to a newer revision's tuner.
"""

from __future__ import annotations

from nniannot.runner.watch.console import WatchConsole
from nniannot.runner.watch.files import PathFilter, is_editor_artifact
from nniannot.runner.watch.listener import WatchListener
from nniannot.runner.watch.observer import Debouncer, FileWatcher
from nniannot.runner.watch.revision import Candidate, prepare, revision_key, space_diff
from nniannot.runner.watch.session import ON_CHANGE, WatchOptions, WatchSession

__all__ = [
    "ON_CHANGE",
    "Candidate",
    "Debouncer",
    "FileWatcher",
    "PathFilter",
    "WatchConsole",
    "WatchListener",
    "WatchOptions",
    "WatchSession",
    "is_editor_artifact",
    "prepare",
    "revision_key",
    "space_diff",
]

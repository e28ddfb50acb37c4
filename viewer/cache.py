"""A small per-app cache of computed chart data, keyed by the experiment's ``change_seq``.

An experiment's data changes only when its ``change_seq`` does, so a finished experiment's charts are
computed once and a running one's at most once per change, however many pages or tabs ask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
SIZE = 16
_LOCK = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its earlier result for an equal ``key`` (the last SIZE results are kept)."""
    store: OrderedDict[Hashable, Any] = current_app.extensions.setdefault("nniannot_cache", OrderedDict())
    with _LOCK:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with _LOCK:
        store[key] = value
        while len(store) > SIZE:
            store.popitem(last=False)
    return value

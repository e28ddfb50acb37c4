"""Run small linear algebra on one thread.

The GP works on matrices of at most a few hundred rows. There, OpenBLAS's worker threads cost far more than
they give, and on a busy machine (trials running next to the tuner) they spin against the trials: a 40x40
Cholesky went from microseconds to tens of milliseconds. :func:`single_thread` pins the OpenBLAS copies that
numpy and scipy loaded to one thread for the duration of a block, then restores them.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

_PREFIXES = ("openblas", "scipy_openblas")
_SUFFIXES = ("", "64_")


@lru_cache(maxsize=1)
def _controls() -> tuple[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr], ...]:  # type: ignore[name-defined]
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (Linux only)."""
    if not sys.platform.startswith("linux"):
        return ()
    try:
        with open(f"/proc/{os.getpid()}/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return ()
    found = []
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype = ctypes.c_int
                    found.append((get, put))
    return tuple(found)


@contextmanager
def single_thread() -> Iterator[None]:
    """Within the block, OpenBLAS uses one thread; outside it, whatever it used before."""
    controls = _controls()
    before = [get() for get, _ in controls]
    for _, put in controls:
        put(1)
    try:
        yield
    finally:
        for (_, put), n in zip(controls, before):
            put(n)

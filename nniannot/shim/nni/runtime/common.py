"""``nni.runtime.common``: each trial receives one set of parameters here (no multi-phase trials)."""

from __future__ import annotations


def multi_phase_enabled() -> bool:
    return False

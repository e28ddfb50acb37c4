"""Waiting for something another process does: the one polling helper the suites share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], what: str = "condition", timeout: float = 120.0) -> Any:
    """Poll ``predicate`` until it returns something truthy, and return that.

    The timeout is a safety net for a machine under load, not a measurement: no test asserts on time.
    Raises AssertionError naming ``what`` when it runs out.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, ended but not yet reaped, counts as gone). Linux: reads /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False

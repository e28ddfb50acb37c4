"""The ranges of the numbers a user sets for an experiment, wherever they come from.

The CLI, a config file (ours or NNI's), ``resume`` and the viewer's "change limits" action all check their
numbers here, so each limit is written once and every source gets the same message. The upper bounds keep
values inside what SQLite's 64-bit integers and ``time.monotonic()`` arithmetic can hold; they are far above
anything an experiment needs.
"""

from __future__ import annotations

import math

from nniannot.errors import ConfigError

MAX_TRIALS = 10**9
MAX_CONCURRENCY = 10_000
MAX_SECONDS = 100 * 365 * 86400.0  # a hundred years
MAX_GPUS = 1024

_INT_LIMITS = {
    "max_trials": (1, MAX_TRIALS),
    "concurrency": (1, MAX_CONCURRENCY),
    "gpus_per_trial": (0, MAX_GPUS),
    "max_start_failures": (0, MAX_TRIALS),
}
# (lowest, highest, whether the lowest itself is allowed)
_SECOND_LIMITS = {
    "max_duration": (0.0, MAX_SECONDS, False),
    "max_trial_duration": (0.0, MAX_SECONDS, False),
    "kill_grace": (0.0, 3600.0, True),
    "algorithm_timeout": (0.0, MAX_SECONDS, False),
}


def check_int(name: str, value: object, where: str = "") -> int:
    """``value`` as an int if it is a whole number inside the range of limit ``name``; else ConfigError.

    ``where`` names the source (``"--max-trials"``, ``"config.yml:4"``) for the message.
    """
    low, high = _INT_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where or name} must be a whole number, but got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{where or name} must be between {low} and {high:,}, but got {_short(value)}")
    return value


def check_seconds(name: str, value: object, where: str = "") -> float:
    """``value`` as float seconds if finite and inside the range of limit ``name``; else ConfigError."""
    low, high, low_ok = _SECOND_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where or name} must be a number of seconds, but got {value!r}")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    above_low = seconds >= low if low_ok else seconds > low
    if not (math.isfinite(seconds) and above_low and seconds <= high):
        least = f"at least {low:g}" if low_ok else f"more than {low:g}"
        raise ConfigError(
            f"{where or name} must be {least} and at most {high:,.0f} seconds, but got {_short(value)}"
        )
    return seconds


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} digits)"

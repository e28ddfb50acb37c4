"""Jinja filters for times, durations and metric values (templates show what the JSON API returns)."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from flask import Flask


def when(ts: float | None) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM:SS`` ("" for None)."""
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def duration(seconds: float | None) -> str:
    """``1h 02m``, ``3m 04s``, ``5.2s`` ("" for None)."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24:02d}h"


def number(value: Any) -> str:
    """A metric or parameter for display: 6 significant digits for floats, JSON for other values."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def python_lines(params: dict[str, Any], shorts: dict[str, str]) -> str:
    """``name = value`` lines (Python literals) for a trial's parameters, names made identifiers."""
    lines = []
    for key, value in params.items():
        name = re.sub(r"\W", "_", shorts.get(key, key))
        name = name if name and not name[0].isdigit() else f"_{name}"
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when, duration=duration, number=number, pretty=pretty, python_lines=python_lines
    )

"""Jinja filters for times, durations and metric values (templates show what the JSON API returns)."""

from __future__ import annotations

import json
import math
import re
import signal
import time
from typing import Any

from flask import Flask

from nniannot.viewer.analysis import layer_label


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


def param(value: Any) -> str:
    """A parameter for display: a nested choice by name, a mutable block's layers as readable choices
    (``layer 0: conv(k=3) ← x1 · layer 1: dense(64)``), numbers and other values as :func:`number` shows them."""
    if isinstance(value, dict) and "_name" in value and len(value) == 1:
        return str(value["_name"])
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(v, dict) and "chosen_layer" in v for v in value.values())
    ):
        parts = []
        for layer, chosen in value.items():
            inputs = chosen.get("chosen_inputs") or []
            text = f"{layer.replace('mutable_layer_', 'layer ')}: {chosen['chosen_layer']}"
            parts.append(text + (f" ← {', '.join(map(str, inputs))}" if inputs else ""))
        return " · ".join(parts)
    return number(value)


def exit_text(code: int | None) -> str:
    """An exit code with what it means: ``-15 (stopped by SIGTERM)``, ``1 (error)``, ``0 (success)``."""
    if code is None:
        return ""
    if code < 0:
        try:
            return f"{code} (stopped by {signal.Signals(-code).name})"
        except ValueError:
            return f"{code} (stopped by signal {-code})"
    return f"{code} (success)" if code == 0 else f"{code} (error)"


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
        when=when,
        duration=duration,
        number=number,
        param=param,
        exit_text=exit_text,
        pretty=pretty,
        python_lines=python_lines,
        layer_label=layer_label,
    )

"""The architecture weights a one-shot trial wrote (``architecture.json`` in its directory), checked.

The file comes from a user's process, so it is read as hostile input: past a size cap, unparsable, of the
wrong shape, with non-finite or negative weights, or with a huge history, the answer carries a ``note``
saying what was wrong and keeps only what is usable, never raising. The history is thinned evenly (the
last entry always kept) to at most ``MAX_HISTORY`` steps.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from nniannot.nas.modes import ARCHITECTURE_FILE
from nniannot.viewer.logs import LogNotFound, resolve_log

MAX_BYTES = 8 * 1024 * 1024
MAX_HISTORY = 400
MAX_LAYERS = 200
MAX_CHOICES = 64  # candidates (or optional inputs) kept per layer
MEANING = {
    "darts": "softmax share of each candidate's weight; sigmoid gate of each optional input",
    "enas": "the controller's probability of sampling each candidate (or input)",
    "oneshot": "each candidate's share of the mean output magnitude (a heuristic, not a probability)",
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


class _Notes:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def _weights(raw: Any, where: str, notes: _Notes) -> dict[str, float | None]:
    """``{name: weight}`` from a mapping, a bad weight as None (noted)."""
    if not isinstance(raw, dict):
        notes.add(f"{where} is not a mapping of names to weights")
        return {}
    if len(raw) > MAX_CHOICES:
        notes.add(f"a layer has more than {MAX_CHOICES} choices; only the first {MAX_CHOICES} are shown")
    out: dict[str, float | None] = {}
    for name, value in list(raw.items())[:MAX_CHOICES]:
        got = _number(value)
        if got is None:
            notes.add(
                f"some weights are not finite non-negative numbers (e.g. {where} {name!r}: {value!r:.40})"
            )
        out[str(name)] = got
    return out


def _layer_weights(
    raw: Any, where: str, notes: _Notes
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    if not isinstance(raw, dict):
        notes.add(f"{where} is not a mapping with 'candidates' and 'inputs'")
        return {}, {}
    return (
        _weights(raw.get("candidates", {}), f"{where} candidates", notes),
        _weights(raw.get("inputs", {}), f"{where} inputs", notes),
    )


def _chosen(params: Any, block: str, layer: str) -> tuple[str | None, list[str]]:
    entry = params.get(block) if isinstance(params, dict) else None
    entry = entry.get(layer) if isinstance(entry, dict) else None
    if not isinstance(entry, dict):
        return None, []
    chosen = entry.get("chosen_layer")
    inputs = entry.get("chosen_inputs")
    return (
        chosen if isinstance(chosen, str) else None,
        [i for i in inputs if isinstance(i, str)] if isinstance(inputs, list) else [],
    )


def _thinned(history: list[Any]) -> list[Any]:
    if len(history) <= MAX_HISTORY:
        return history
    step = (len(history) - 1) / (MAX_HISTORY - 1)
    return [history[round(i * step)] for i in range(MAX_HISTORY)]


def parse(doc: Any, trial_params: Any = None) -> dict[str, Any]:
    """The viewer's form of a decoded ``architecture.json`` (see :func:`read`)."""
    notes = _Notes()
    if not isinstance(doc, dict) or not isinstance(doc.get("weights"), dict):
        return {"mode": None, "blocks": [], "steps": [], "note": "architecture.json has no 'weights' mapping"}
    mode = doc.get("mode") if isinstance(doc.get("mode"), str) else None
    params = doc.get("params") if isinstance(doc.get("params"), dict) else trial_params
    raw_history = doc.get("history", [])
    if not isinstance(raw_history, list):
        notes.add("the history is not a list; only the final weights are shown")
        raw_history = []
    history = _thinned(raw_history)
    if len(history) < len(raw_history):
        notes.add(f"the history has {len(raw_history)} entries; {len(history)} evenly spaced ones are shown")
    steps: list[float | None] = []
    entries: list[dict[str, Any]] = []
    for entry in history:
        ok = isinstance(entry, dict) and isinstance(entry.get("weights"), dict)
        step = _number(entry.get("step")) if ok else None
        if not ok or step is None:
            notes.add("some history entries lack a step number or weights and are left out")
            continue
        steps.append(step)
        entries.append(entry["weights"])
    blocks = []
    layers_seen = 0
    for key, layers in doc["weights"].items():
        if not isinstance(layers, dict):
            notes.add(f"the weights of block {key!r} are not a mapping of layers")
            continue
        shown = []
        for name, raw in layers.items():
            layers_seen += 1
            if layers_seen > MAX_LAYERS:
                notes.add(f"more than {MAX_LAYERS} layers; only the first {MAX_LAYERS} are shown")
                break
            where = f"{key} / {name}"
            cands, inputs = _layer_weights(raw, where, notes)
            chosen, chosen_inputs = _chosen(params, key, name)
            past: dict[str, list[float | None]] = {c: [] for c in cands}
            past_in: dict[str, list[float | None]] = {i: [] for i in inputs}
            for weights in entries:
                layer = weights.get(key, {}).get(name) if isinstance(weights.get(key), dict) else None
                quiet = _Notes()  # one note for the whole history, not one per entry
                c_then, i_then = _layer_weights(layer, where, quiet)
                if quiet.items:
                    notes.add("some history entries have missing or bad weights (shown as gaps)")
                for c in past:
                    past[c].append(c_then.get(c))
                for i in past_in:
                    past_in[i].append(i_then.get(i))
            shown.append({
                "name": str(name),
                "candidates": [{"name": c, "weight": w, "chosen": c == chosen} for c, w in cands.items()],
                "inputs": [{"name": i, "weight": w, "chosen": i in chosen_inputs} for i, w in inputs.items()],
                "history": {"candidates": past, "inputs": past_in},
            })  # fmt: skip
        blocks.append({"key": str(key), "layers": shown})
    if not any(b["layers"] for b in blocks):
        notes.add("architecture.json holds no layer weights")
    return {
        "mode": mode,
        "meaning": MEANING.get(mode or ""),
        "blocks": blocks,
        "steps": steps,
        "note": "; ".join(notes.items) or None,
    }


@functools.lru_cache(maxsize=16)
def _load(path: str, _mtime_ns: int, _size: int) -> Any:
    """The decoded file, parsed again only when it changed (a live page asks for it at every refresh)."""
    with open(path, "rb") as f:
        return json.loads(f.read(MAX_BYTES + 1).decode("utf-8"))


def read(trial_dir: str | None, trial_params: Any = None) -> dict[str, Any] | None:
    """The checked weights of the trial in ``trial_dir``; None when it wrote no ``architecture.json``.

    The answer: ``mode``, ``meaning`` (what a weight is in that mode), ``blocks`` (per layer its candidates
    and optional inputs, each with its final ``weight`` and whether it is ``chosen``, and ``history``: per
    name the weights at each of ``steps``), and ``note`` (what was wrong with the file, or None).
    """
    try:
        path = resolve_log(trial_dir, ARCHITECTURE_FILE)
    except LogNotFound:
        return None
    empty: dict[str, Any] = {"mode": None, "meaning": None, "blocks": [], "steps": []}
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return {
                **empty,
                "note": f"architecture.json is {size} bytes, over the viewer's {MAX_BYTES}-byte limit",
            }
        doc = _load(str(path), path.stat().st_mtime_ns, size)
    except OSError as exc:
        return {**empty, "note": f"architecture.json cannot be read: {exc.strerror or exc}"}
    except UnicodeDecodeError:
        return {**empty, "note": "architecture.json is not UTF-8 text"}
    except (json.JSONDecodeError, RecursionError) as exc:
        return {**empty, "note": f"architecture.json is not valid JSON ({str(exc)[:120]})"}
    return parse(doc, trial_params)

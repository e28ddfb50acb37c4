"""The super-network of a one-shot trial: every mutable layer's state, the architecture step, the record.

Imported (with torch) only in darts, enas and oneshot mode. One :class:`Supernet` per trial process holds
the architecture weights apart from the model's own parameters, so the user's optimiser never sees them
and ``training_update`` steps only them. The derived architecture is written to the trial's directory
(``architecture.json``) at each intermediate report and at the end, in classic-mode keys, for the runner
to record as the trial's parameters.
"""

from __future__ import annotations

import atexit
import json
import linecache
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from nniannot import protocol
from nniannot.nas import modes
from nniannot.nas.layer import LayerState, Where, darts_forward, enas_forward, first_tensor, oneshot_forward

DARTS_ADAM = {"lr": 3e-4, "betas": (0.5, 0.999), "weight_decay": 1e-3}  # the DARTS paper's defaults
ENAS_ADAM = {"lr": 0.05}
BASELINE_DECAY = 0.9
_FORWARD = {"darts": darts_forward, "enas": enas_forward, "oneshot": oneshot_forward}


def where_of(depth: int) -> Where:
    """The user's file and line ``depth`` frames above the caller."""
    frame = sys._getframe(depth + 1)
    path, line = frame.f_code.co_filename, frame.f_lineno
    return Where(path, line, linecache.getline(path, line))


class Supernet:
    """All mutable layers of one trial, in one one-shot mode."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.layers: dict[tuple[str, str], LayerState] = {}
        self.optimizer: torch.optim.Optimizer | None = None
        self.optimizer_size = 0
        self.options: dict[str, Any] = {}
        self.baseline: float | None = None
        self.steps = 0
        self.history: list[dict[str, Any]] = []

    def parameters(self) -> list[torch.Tensor]:
        return [p for state in self.layers.values() for p in state.parameters()]

    def call(
        self, block: str, layer: str, funcs: Mapping[str, Callable[..., Any]],
        kwargs: Mapping[str, Mapping[str, Any]], fixed: list[Any], optional: Mapping[str, Any],
        size: int | Sequence[int], where: Where,
    ) -> Any:  # fmt: skip
        """Run one mutable layer the way this mode computes it."""
        state = self.layers.get((block, layer))
        if state is None:
            state = self.layers[(block, layer)] = LayerState(block, layer, list(funcs), list(optional), size)
            state.where = where
        values = list(optional.values())
        like = first_tensor([*fixed, *values])
        if like is None:
            raise where.error(
                f"mutable layer {state.label} got no tensor among its inputs; one-shot modes need torch "
                "tensors as `fixed_inputs` or `optional_inputs`"
            )
        state.build(like)
        if torch.is_grad_enabled():
            state.calls += 1
        return _FORWARD[self.mode](state, where, funcs, kwargs, list(fixed), values)

    # the architecture step -----------------------------------------------------------------------------

    def update(self, where: Where, loss: Any = None, lr: float | None = None, **_ignored: Any) -> None:
        """``@nni.training_update``: darts steps the weights, enas resamples, oneshot counts the step."""
        if not self.layers:
            raise where.error(
                "`@nni.training_update` steps the architecture of mutable layers, but no "
                "`@nni.mutable_layers` ran before it; put it after `loss.backward()` in a training loop "
                "whose model has mutable layers"
            )
        if lr is not None:
            self.options["lr"] = float(lr)
        self.steps += 1
        if self.mode == "darts":
            self._darts_step(loss)
        elif self.mode == "enas":
            self._check_calls()
            for state in self.layers.values():
                state.resample()
        for state in self.layers.values():
            state.calls = 0

    def _optimizer(self, defaults: dict[str, Any]) -> torch.optim.Optimizer:
        params = self.parameters()
        if self.optimizer is None or self.optimizer_size != len(params):
            self.optimizer = torch.optim.Adam(params, **{**defaults, **self.options})
            self.optimizer_size = len(params)
        return self.optimizer

    def _darts_step(self, loss: Any) -> None:
        params = self.parameters()
        if loss is not None:  # a separate (e.g. validation) loss: its gradient reaches only the alphas
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            for p, g in zip(params, grads):
                p.grad = g
        optimizer = self._optimizer(DARTS_ADAM)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def _check_calls(self) -> None:
        for state in self.layers.values():
            if state.last_calls is not None and state.calls and state.calls != state.last_calls:
                where = state.where or Where("<unknown>", 0)
                raise where.error(
                    f"in enas mode mutable layer {state.label} must run the same number of times in every "
                    f"training step, but it ran {state.calls} times in step {self.steps} and "
                    f"{state.last_calls} before (is it inside a loop of varying length?)"
                )
            if state.calls:
                state.last_calls = state.calls

    def reward(self, value: float) -> None:
        """enas: REINFORCE on the sub-network that produced ``value``, against a moving-average baseline."""
        if self.mode != "enas" or not math.isfinite(value):
            return
        sampled = [s for s in self.layers.values() if s.log_prob is not None]
        if not sampled:
            return
        base = value if self.baseline is None else self.baseline
        advantage = value - base
        self.baseline = BASELINE_DECAY * base + (1 - BASELINE_DECAY) * value
        optimizer = self._optimizer(ENAS_ADAM)
        optimizer.zero_grad(set_to_none=True)
        loss = -advantage * sum(s.log_prob for s in sampled)  # type: ignore[misc]
        if isinstance(loss, torch.Tensor) and loss.requires_grad:
            loss.backward()
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        for state in sampled:
            state.log_prob = None
            state.resample()

    # the record ----------------------------------------------------------------------------------------

    def weights(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for state in self.layers.values():
            got = state.importance_weights() if self.mode == "oneshot" else state.weights()
            out.setdefault(state.block, {})[state.name] = got
        return out

    def derived(self) -> dict[str, dict[str, Any]]:
        """The discrete architecture in classic-mode keys: ``{block: {layer: {chosen_layer, chosen_inputs}}}``."""
        weights = self.weights()
        return {
            state.block: {
                s.name: s.derive(weights[s.block][s.name])
                for s in self.layers.values()
                if s.block == state.block
            }
            for state in self.layers.values()
        }

    def snapshot(self) -> None:
        """Note the weights now in the history (at each intermediate report)."""
        if self.layers:
            self.history.append({"step": self.steps, "weights": self.weights()})

    def write(self) -> None:
        """Write ``architecture.json`` to the trial's directory (nothing standalone); atomic."""
        folder = os.environ.get(protocol.ENV_SYS_DIR)
        if not folder or not self.layers or not os.path.isdir(folder):
            return
        doc = {
            "mode": self.mode,
            "params": self.derived(),
            "weights": self.weights(),
            "history": self.history,
        }
        path = os.path.join(folder, modes.ARCHITECTURE_FILE)
        temp = path + ".tmp"
        with open(temp, "w", encoding="utf-8") as out:
            json.dump(doc, out)
        os.replace(temp, path)


_current: list[Supernet] = []


def current() -> Supernet:
    """This process's super-network (created on first use, written at exit)."""
    if not _current:
        _current.append(Supernet(modes.mode()))
        atexit.register(_current[0].write)
    return _current[0]


def reset_for_tests(mode: str) -> Supernet:
    """A fresh super-network in ``mode`` (tests only)."""
    _current.clear()
    _current.append(Supernet(mode))
    return _current[0]

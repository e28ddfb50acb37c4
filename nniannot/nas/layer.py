"""One mutable layer's architecture state and how each one-shot mode computes it (torch)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from nniannot.errors import NasError

ONESHOT_RATE = 0.01  # NNI's oneshot mode: a path is dropped with probability rate ** (1 / paths)


class Where:
    """The place of a mutable layer (or hook) in the user's file, for located errors."""

    def __init__(self, path: str, line: int, text: str = "") -> None:
        self.path, self.line, self.text = path, line, text

    def error(self, message: str) -> NasError:
        shown = f"\n    {self.text.strip()}" if self.text.strip() else ""
        return NasError(f"{self.path}:{self.line}: error: {message}{shown}")


class LayerState:
    """The architecture side of one mutable layer: its weights, current sample and what it saw."""

    def __init__(
        self, block: str, name: str, choices: Sequence[str], inputs: Sequence[str], size: Any
    ) -> None:
        self.block, self.name = block, name
        self.choices, self.inputs = list(choices), list(inputs)
        self.size = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
        self.alpha: torch.Tensor | None = None  # candidate logits (darts) / controller logits (enas)
        self.beta: torch.Tensor | None = None  # optional-input logits
        self.sample: tuple[int, list[int]] | None = None
        self.log_prob: torch.Tensor | None = None
        self.importance = [0.0] * len(self.choices)  # oneshot: mean output magnitude per candidate
        self.input_importance = [0.0] * len(self.inputs)
        self.seen = 0
        self.calls = 0
        self.last_calls: int | None = None
        self.where: Where | None = None

    @property
    def label(self) -> str:
        return f"`{self.name}` of `{self.block}`"

    def build(self, like: torch.Tensor) -> None:
        """Create the weights on ``like``'s device and dtype (once): small random logits, as DARTS does."""
        if self.alpha is not None:
            return
        dtype = like.dtype if like.is_floating_point() else torch.float32
        self.alpha = (1e-3 * torch.randn(len(self.choices), dtype=dtype)).to(like.device).requires_grad_()
        if self.inputs:
            self.beta = torch.zeros(len(self.inputs), dtype=dtype, device=like.device).requires_grad_()

    def parameters(self) -> list[torch.Tensor]:
        return [t for t in (self.alpha, self.beta) if t is not None]

    def weights(self) -> dict[str, dict[str, float]]:
        """Per candidate (and per optional input) its weight now: softmax / sigmoid of the logits."""
        if self.alpha is None:
            return {"candidates": {}, "inputs": {}}
        with torch.no_grad():
            cand = torch.softmax(self.alpha.float(), 0).tolist()
            inp = torch.sigmoid(self.beta.float()).tolist() if self.beta is not None else []
        return {"candidates": dict(zip(self.choices, cand)), "inputs": dict(zip(self.inputs, inp))}

    def importance_weights(self) -> dict[str, dict[str, float]]:
        """oneshot: each candidate's share of the mean output magnitude (a heuristic, not a probability)."""
        total = sum(self.importance) or 1.0
        top = max(self.input_importance, default=0.0) or 1.0
        return {
            "candidates": {c: v / total for c, v in zip(self.choices, self.importance)},
            "inputs": {i: v / top for i, v in zip(self.inputs, self.input_importance)},
        }

    def derive(self, weights: dict[str, dict[str, float]]) -> dict[str, Any]:
        """The discrete choice: the heaviest candidate; the inputs above one half, kept within the size."""
        cands = weights["candidates"]
        chosen = max(self.choices, key=lambda c: cands.get(c, 0.0)) if cands else self.choices[0]
        inputs = weights["inputs"]
        ranked = sorted(self.inputs, key=lambda i: -inputs.get(i, 0.0))
        keep = sum(1 for i in ranked if inputs.get(i, 0.0) > 0.5)
        keep = min(max(keep, self.size[0]), self.size[1])
        picked = set(ranked[:keep])
        return {"chosen_layer": chosen, "chosen_inputs": [i for i in self.inputs if i in picked]}

    # sampling (enas) -----------------------------------------------------------------------------------

    def resample(self) -> None:
        """Draw the next sub-network from the controller; keeps the log-probability for REINFORCE."""
        if self.alpha is None:
            return
        probs = torch.softmax(self.alpha, 0)
        choice = int(torch.multinomial(probs.detach(), 1))
        log_prob = torch.log(probs[choice])
        picked: list[int] = []
        if self.beta is not None:
            p_in = torch.sigmoid(self.beta)
            odds = p_in.detach()
            draw = torch.bernoulli(odds).bool().tolist()
            order = sorted(range(len(self.inputs)), key=lambda i: -float(odds[i]))
            on = [i for i in order if draw[i]][: self.size[1]]
            on += [i for i in order if i not in on][: max(self.size[0] - len(on), 0)]
            picked = sorted(on)
            mask = torch.zeros_like(p_in)
            mask[picked] = 1.0
            log_prob = log_prob + (mask * torch.log(p_in) + (1 - mask) * torch.log1p(-p_in)).sum()
        self.sample, self.log_prob = (choice, picked), log_prob


def first_tensor(values: Sequence[Any]) -> torch.Tensor | None:
    for value in values:
        if isinstance(value, torch.Tensor):
            return value
    return None


def checked_outputs(state: LayerState, where: Where, names: Sequence[str], outs: Sequence[Any]) -> None:
    """Every candidate's output must be a tensor, and all of one shape, to be mixed."""
    for name, out in zip(names, outs):
        if not isinstance(out, torch.Tensor):
            raise where.error(
                f"candidate `{name}` of mutable layer {state.label} returned {type(out).__name__}, not a "
                "tensor: one-shot modes mix candidate outputs, so each must return one torch.Tensor"
            )
    shapes = {tuple(o.shape) for o in outs}
    if len(shapes) > 1:
        listed = ", ".join(f"`{n}` -> {list(o.shape)}" for n, o in zip(names, outs))
        raise where.error(
            f"the candidates of mutable layer {state.label} return different shapes, so they cannot be "
            f"mixed: {listed}; make every candidate return the same shape"
        )


Call = Callable[..., Any]


def darts_forward(
    state: LayerState, where: Where, funcs: Mapping[str, Call], kwargs: Mapping[str, Mapping[str, Any]],
    fixed: list[Any], optional: list[Any],
) -> torch.Tensor:  # fmt: skip
    """Every candidate on every optional input (each scaled by sigmoid(beta)), mixed with softmax(alpha)."""
    if optional:
        gate = torch.sigmoid(state.beta)  # type: ignore[arg-type]
        optional = [g * x for g, x in zip(gate, optional)]
    names = list(funcs)
    outs = [funcs[n]([fixed, optional], **kwargs[n]) for n in names]
    checked_outputs(state, where, names, outs)
    mix = torch.softmax(state.alpha, 0)  # type: ignore[arg-type]
    return sum(w * o for w, o in zip(mix, outs))  # type: ignore[return-value]


def enas_forward(
    state: LayerState, where: Where, funcs: Mapping[str, Call], kwargs: Mapping[str, Mapping[str, Any]],
    fixed: list[Any], optional: list[Any],
) -> Any:  # fmt: skip
    """Only the sub-network the controller sampled: one candidate on the sampled optional inputs."""
    if state.sample is None:
        state.resample()
    choice, picked = state.sample  # type: ignore[misc]
    name = state.choices[choice]
    out = funcs[name]([fixed, [optional[i] for i in picked]], **kwargs[name])
    checked_outputs(state, where, [name], [out])
    return out


def oneshot_forward(
    state: LayerState, where: Where, funcs: Mapping[str, Call], kwargs: Mapping[str, Mapping[str, Any]],
    fixed: list[Any], optional: list[Any],
) -> torch.Tensor:  # fmt: skip
    """Every candidate; while training, inputs and paths are dropped with rate r^(1/k) (NNI's oneshot)."""
    training = torch.is_grad_enabled()
    if optional and training:
        keep_in = 1.0 - ONESHOT_RATE ** (1.0 / len(optional))
        optional = [x * float(torch.rand(()) < keep_in) / keep_in for x in optional]
    names = list(funcs)
    outs = [funcs[n]([fixed, optional], **kwargs[n]) for n in names]
    checked_outputs(state, where, names, outs)
    if not training:
        _note_importance(state, outs, optional)
        return sum(outs)  # type: ignore[return-value]
    keep = 1.0 - ONESHOT_RATE ** (1.0 / len(outs))
    mask = (torch.rand(len(outs)) < keep).tolist()
    return sum(o * (float(m) / keep) for o, m in zip(outs, mask))  # type: ignore[return-value]


def _note_importance(state: LayerState, outs: Sequence[torch.Tensor], optional: Sequence[Any]) -> None:
    state.seen += 1
    rate = 1.0 / state.seen
    for i, out in enumerate(outs):
        size = float(out.detach().float().abs().mean())
        state.importance[i] += rate * ((size if math.isfinite(size) else 0.0) - state.importance[i])
    for i, x in enumerate(optional):
        if isinstance(x, torch.Tensor):
            size = float(x.detach().float().abs().mean())
            state.input_importance[i] += rate * (size - state.input_importance[i])

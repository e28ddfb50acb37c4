"""Targets, the network and the training loop shared by both stages of the walk-through (no annotations).

The targets live on [0, 1]: ``square`` is y = x², ``oscillator`` joins the points x = 0, 0.1, ..., 1 with
straight lines, where y₀ = 0.5 and yᵢ₊₁ = −(yᵢ² − 0.5). The network is an MLP with up to three hidden
layers; a width of 0 means "no such layer".
"""

from __future__ import annotations

import torch
from torch import nn

TRAIN_POINTS = 201  # the training set: x evenly spaced on [0, 1]
TEST_POINTS = 1001  # where the approximation error is measured


def oscillator_knots() -> list[float]:
    ys = [0.5]
    for _ in range(10):
        ys.append(-(ys[-1] ** 2 - 0.5))
    return ys


def target(name: str, xs: torch.Tensor) -> torch.Tensor:
    """The function to learn, evaluated at ``xs`` (any shape)."""
    if name == "square":
        return xs**2
    if name != "oscillator":
        raise SystemExit(f"unknown function {name!r}: use square or oscillator")
    knots = torch.tensor(oscillator_knots())
    scaled = (xs * 10).clamp(0, 10)
    left = scaled.floor().clamp(max=9).long()
    frac = scaled - left
    return knots[left] * (1 - frac) + knots[left + 1] * frac


def grid(points: int) -> torch.Tensor:
    return torch.linspace(0, 1, points).unsqueeze(1)


def build(hidden: list[int], activation: str) -> nn.Sequential:
    """An MLP 1 -> hidden... -> 1; widths of 0 are skipped (a {64, 0, 0} net has one hidden layer)."""
    layers: list[nn.Module] = []
    width = 1
    for size in hidden:
        if size > 0:
            layers += [nn.Linear(width, size), getattr(nn, activation)()]
            width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def max_error(model: nn.Module, function: str) -> float:
    """The largest |network(x) - f(x)| over a fine grid of [0, 1]."""
    xs = grid(TEST_POINTS)
    with torch.no_grad():
        return float((model(xs) - target(function, xs)).abs().max())


def train(model: nn.Module, function: str, epochs: int, optimizer: str, learning_rate: float, loss: str,
          every: int):  # fmt: skip
    """Full-batch training; yields (epoch, max error) every ``every`` epochs and after the last one."""
    xs = grid(TRAIN_POINTS)
    ys = target(function, xs)
    opt = getattr(torch.optim, optimizer)(model.parameters(), lr=learning_rate)
    criterion = getattr(nn, loss)()
    for epoch in range(1, epochs + 1):
        opt.zero_grad()
        criterion(model(xs), ys).backward()
        opt.step()
        if epoch % every == 0 or epoch == epochs:
            yield epoch, max_error(model, function)


def setup(seed: int = 0) -> None:
    """Same initial weights for every run (so results repeat); one thread, since trials run side by side."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)


def curve(model: nn.Module, function: str, points: int = 101) -> list[tuple[float, float, float]]:
    """(x, f(x), network(x)) for the plot."""
    xs = grid(points)
    with torch.no_grad():
        out = model(xs)
    return [
        (float(x), float(y), float(o)) for x, y, o in zip(xs[:, 0], target(function, xs)[:, 0], out[:, 0])
    ]

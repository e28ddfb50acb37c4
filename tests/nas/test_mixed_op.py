"""darts' mixed operation against a hand computation; derivation; the hook steps only the architecture."""

from __future__ import annotations

import math
from typing import Any

import pytest

from nniannot import annotation, nas

pytestmark = pytest.mark.torch


def _layer(in_mode: Any, x: Any, optional: dict[str, Any] | None = None, size: Any = 0) -> Any:
    funcs = {
        "double": lambda inputs: 2 * sum(inputs[0] + inputs[1]),
        "square": lambda inputs: inputs[0][0] ** 2,
    }
    kwargs: dict[str, dict[str, Any]] = {"double": {}, "square": {}}
    return annotation.mutable_layer(
        "m/mutable_block_1", "mutable_layer_0", funcs, kwargs, [x], optional or {}, size
    )


def test_darts_output_is_the_softmax_mix_of_every_candidate_and_alpha_gets_the_gradient(
    in_mode: Any, torch_mod: Any
) -> None:
    net = in_mode("darts")
    x = torch_mod.tensor([1.0, 3.0])
    out = _layer(in_mode, x)
    [alpha] = nas.architecture_parameters()
    a0, a1 = alpha.tolist()
    w0 = math.exp(a0) / (math.exp(a0) + math.exp(a1))
    assert out.tolist() == pytest.approx([w0 * 2 * v + (1 - w0) * v * v for v in (1.0, 3.0)])
    out.sum().backward()
    # d/d a0 of sum(w0 * 2x + w1 * x^2) = w0 * w1 * (sum(2x) - sum(x^2))
    expected = w0 * (1 - w0) * (2 * 4.0 - 10.0)
    assert alpha.grad.tolist() == pytest.approx([expected, -expected])
    assert alpha.dtype == x.dtype and alpha.device == x.device
    assert list(net.layers) == [("m/mutable_block_1", "mutable_layer_0")]


def test_alphas_take_the_inputs_dtype(in_mode: Any, torch_mod: Any) -> None:
    in_mode("darts")
    _layer(in_mode, torch_mod.ones(3, dtype=torch_mod.float64))
    assert {p.dtype for p in nas.architecture_parameters()} == {torch_mod.float64}


def test_optional_inputs_are_scaled_by_their_own_sigmoid_weights(in_mode: Any, torch_mod: Any) -> None:
    in_mode("darts")
    x, skip = torch_mod.ones(2), torch_mod.full((2,), 4.0)
    out = _layer(in_mode, x, {"skip": skip}, [0, 1])
    alpha, beta = nas.architecture_parameters()
    w = torch_mod.softmax(alpha, 0).tolist()
    gate = 1 / (1 + math.exp(-float(beta.detach()[0])))
    assert gate == 0.5
    assert out.tolist() == pytest.approx([w[0] * 2 * (1 + gate * 4) + w[1] * 1.0] * 2)


def test_derivation_takes_the_heaviest_candidate_and_the_inputs_above_one_half(in_mode: Any) -> None:
    from nniannot.nas.layer import LayerState

    state = LayerState("b", "l", ["a", "b", "c"], ["x", "y", "z"], [1, 2])
    weights = {"candidates": {"a": 0.2, "b": 0.5, "c": 0.3}, "inputs": {"x": 0.9, "y": 0.8, "z": 0.7}}
    assert state.derive(weights) == {"chosen_layer": "b", "chosen_inputs": ["x", "y"]}  # at most 2
    weights["inputs"] = {"x": 0.1, "y": 0.3, "z": 0.2}
    assert state.derive(weights) == {"chosen_layer": "b", "chosen_inputs": ["y"]}  # at least 1


def test_training_update_steps_the_alphas_and_leaves_the_model_alone(in_mode: Any, torch_mod: Any) -> None:
    in_mode("darts")
    model = torch_mod.nn.Linear(2, 2)
    before = [p.detach().clone() for p in model.parameters()]
    out = _layer(in_mode, model(torch_mod.ones(2)))
    out.sum().backward()
    [alpha] = nas.architecture_parameters()
    start = alpha.detach().clone()
    annotation.training_update(lr=0.1)
    assert not torch_mod.equal(alpha.detach(), start)
    assert alpha.grad is None  # stepped and cleared
    assert all(torch_mod.equal(a, b.detach()) for a, b in zip(before, model.parameters()))
    assert all(p.grad is not None for p in model.parameters())  # the user's gradients are still theirs


def test_a_separate_loss_reaches_only_the_alphas(in_mode: Any, torch_mod: Any) -> None:
    in_mode("darts")
    model = torch_mod.nn.Linear(2, 2)
    out = _layer(in_mode, model(torch_mod.ones(2)))
    [alpha] = nas.architecture_parameters()
    start = alpha.detach().clone()
    annotation.training_update(loss=out.sum(), lr=0.1)
    assert not torch_mod.equal(alpha.detach(), start)
    assert all(p.grad is None for p in model.parameters())


def test_classic_mode_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(nas.ENV_MODE, raising=False)
    assert nas.architecture_parameters() == []
    assert annotation.training_update(loss=1.0) is None
    assert [nas.normalize_mode(m) for m in ("darts_mode", "ENAS", "classic", "spos")] == [
        "darts", "enas", "classic", None,
    ]  # fmt: skip

"""Tune how to compress a trained model: the pruning scheme and sparsity (torch.nn.utils.prune), the
fine-tuning after pruning, and the weights' bit width (fake quantization with torch's quantization op).

The final result is a dict with the two objectives of the search, `accuracy` (maximised) and `size_kb`
(minimised), and the dense model's `dense_accuracy` and `dense_kb` beside them; config.yml declares the
objectives and a constraint, so the result of the search is a Pareto set of compressions.

    python compress.py                        # the defaults: 50% L1 pruning, 8-bit weights
    nni-annot run --config config.yml         # the search (see README.md)
"""

import argparse

import torch
from torch import nn
from torch.nn.utils import prune

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=60, help="dense training epochs")
args = parser.parse_args()

"""@nni.variable(nni.choice("l1", "random", "structured", "global"), name=scheme)"""
scheme = "l1"
"""@nni.variable(nni.quniform(0.0, 0.95, 0.05), name=sparsity)"""
sparsity = 0.5
"""@nni.variable(nni.randint(0, 30), name=finetune_epochs)"""
finetune_epochs = 10
"""@nni.variable(nni.choice(32, 8, 6, 4, 2), name=bits)"""
bits = 8


def make_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Eight overlapping classes in 20 dimensions (a Gaussian blob each)."""
    gen = torch.Generator().manual_seed(seed)
    centers = torch.randn(8, 20, generator=torch.Generator().manual_seed(0)) * 0.5
    labels = torch.randint(0, 8, (n,), generator=gen)
    return centers[labels] + torch.randn(n, 20, generator=gen), labels


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def accuracy_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def prune_model(linears: list[nn.Linear]) -> None:
    if sparsity == 0:
        return
    if scheme == "global":
        prune.global_unstructured([(m, "weight") for m in linears], prune.L1Unstructured, amount=sparsity)
    for m in linears if scheme != "global" else []:
        if scheme == "l1":
            prune.l1_unstructured(m, "weight", amount=sparsity)
        elif scheme == "random":
            prune.random_unstructured(m, "weight", amount=sparsity)
        else:  # whole output neurons (rows), by their L2 norm
            prune.ln_structured(m, "weight", amount=sparsity, n=2, dim=0)


def quantize(linears: list[nn.Linear]) -> None:
    """Round each weight tensor to `bits` bits (symmetric, per tensor); zeros stay zeros."""
    if bits >= 32:
        return
    levels = 2 ** (bits - 1) - 1
    with torch.no_grad():
        for m in linears:
            w = m.weight
            scale = float(w.abs().max()) / levels or 1.0
            m.weight.copy_(torch.fake_quantize_per_tensor_affine(w, scale, 0, -levels, levels))


def size_kb(linears: list[nn.Linear], bits: int) -> float:
    """Stored size: the non-zero weights at `bits` bits each, plus 32-bit biases."""
    weights = sum(int((m.weight != 0).sum()) for m in linears)
    biases = sum(m.bias.numel() for m in linears)
    return (weights * bits + biases * 32) / 8 / 1024


torch.manual_seed(0)
torch.set_num_threads(1)  # trials run side by side
train_x, train_y = make_data(2000, seed=1)
test_x, test_y = make_data(1000, seed=2)
model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 8))
linears = [m for m in model if isinstance(m, nn.Linear)]
fit(model, train_x, train_y, args.epochs)
dense_kb, dense_accuracy = size_kb(linears, 32), accuracy_of(model, test_x, test_y)

prune_model(linears)
fit(model, train_x, train_y, finetune_epochs)  # the pruning masks keep pruned weights at zero
for m in linears:
    if prune.is_pruned(m):
        prune.remove(m, "weight")  # make the zeros permanent
quantize(linears)

accuracy = accuracy_of(model, test_x, test_y)
size = size_kb(linears, bits)
"""@nni.report_intermediate_result(accuracy)"""
result = {"accuracy": accuracy, "size_kb": size, "dense_accuracy": dense_accuracy, "dense_kb": dense_kb}
"""@nni.report_final_result(result)"""
print(f"{scheme} {sparsity:.0%} +{finetune_epochs} epochs, {bits} bits: accuracy {accuracy:.3f} "
      f"(dense {dense_accuracy:.3f}), {size:.1f} KB (dense {dense_kb:.1f} KB)")  # fmt: skip

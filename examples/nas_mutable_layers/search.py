"""Architecture search with mutable layers: which operation each of three cells applies, and which earlier
cells feed it through a skip connection, for a small classifier of two interleaved spirals.

The `@nni.mutable_layers` annotation in `Net.forward` lists, per cell, its candidate operations
(`layer_choice`), the input it always gets (`fixed_inputs`) and the earlier outputs it may also get
(`optional_inputs`, how many: `optional_input_size`). The annotation *is* the cells' code, so this script
runs through nni-annot's launcher (plain `python search.py` stops at the undefined `h3`).

    nni-annot trial search.py --defaults      # standalone: each cell takes its first choice, no skips
    nni-annot run --config config.yml         # the search; one-shot: --nas-mode darts (see README.md)
"""

import argparse
import os

import torch
from torch import nn

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=1000)
parser.add_argument("--arch-lr", type=float, default=0.01, help="one-shot modes: the architecture's lr")

"""@nni.variable(nni.choice(16, 32, 64), name=width)"""
width = 32
"""@nni.variable(nni.loguniform(1e-3, 3e-2), name=lr)"""
lr = 0.01


def spirals(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved spirals in the plane with a little noise; labels 0 and 1."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.rand(n, generator=gen) * 5 * torch.pi + 0.5
    label = torch.randint(0, 2, (n,), generator=gen)
    sign = 1 - 2 * label.float()
    xy = torch.stack([t * torch.cos(t) * sign, t * torch.sin(t) * sign], 1) / 16
    return xy + 0.04 * torch.randn(n, 2, generator=gen), label


class Net(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.stem = nn.Linear(2, width)
        self.cells = nn.ModuleList(nn.Linear(width, width) for _ in range(3))
        self.head = nn.Linear(width, 2)

    # The candidate operations. A layer is called as op([fixed_inputs, chosen_optional_inputs], **kwargs).
    def dense(self, inputs, cell, act):
        x = sum(inputs[0] + inputs[1])
        return getattr(torch, act)(self.cells[cell](x))

    def residual(self, inputs, cell):
        x = sum(inputs[0] + inputs[1])
        return x + torch.relu(self.cells[cell](x))

    def identity(self, inputs):
        return sum(inputs[0] + inputs[1])

    def forward(self, x):
        h0 = torch.relu(self.stem(x))  # noqa: F841 - an input of the cells below
        """@nni.mutable_layers(
        {
            layer_choice: [self.dense(cell=0, act="relu"), self.dense(cell=0, act="tanh"), self.residual(cell=0)],
            fixed_inputs: [h0],
            layer_output: h1
        },
        {
            layer_choice: [self.dense(cell=1, act="relu"), self.dense(cell=1, act="tanh"), self.residual(cell=1),
                           self.identity()],
            fixed_inputs: [h1],
            optional_inputs: [h0],
            optional_input_size: [0, 1],
            layer_output: h2
        },
        {
            layer_choice: [self.dense(cell=2, act="relu"), self.dense(cell=2, act="tanh"), self.residual(cell=2),
                           self.identity()],
            fixed_inputs: [h2],
            optional_inputs: [h0, h1],
            optional_input_size: [0, 1],
            layer_output: h3
        }
        )"""
        return self.head(h3)  # noqa: F821 - h3 is the output of the annotation above


args = parser.parse_args()
torch.manual_seed(int(os.environ.get("NNIANNOT_SEED", "0")))  # --retrain gives each trial its own
torch.set_num_threads(1)  # trials run side by side
train_x, train_y = spirals(300, seed=1)
val_x, val_y = spirals(400, seed=2)
model = Net(width)
opt = torch.optim.Adam(model.parameters(), lr=lr)
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)  # settles: seeds differ less
accuracy = 0.0
for epoch in range(1, args.epochs + 1):
    opt.zero_grad()
    nn.functional.cross_entropy(model(train_x), train_y).backward()
    """@nni.training_update(lr=args.arch_lr)"""
    opt.step()
    schedule.step()
    if epoch % max(args.epochs // 50, 1) == 0 or epoch == args.epochs:
        with torch.no_grad():
            accuracy = float((model(val_x).argmax(1) == val_y).float().mean())
        """@nni.report_intermediate_result(accuracy)"""

"""@nni.report_final_result(accuracy)"""
print(f"width={width} lr={lr:.4g}: validation accuracy {accuracy:.3f}")

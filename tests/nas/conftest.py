"""One-shot NAS tests: a fresh super-network per test, in the mode the test names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nniannot import nas
from nniannot.transformer import transform

TINY = '''\
import torch
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 8)
        self.b = nn.Linear(8, 8)
        self.head = nn.Linear(8, 2)

    def lin(self, inputs):
        return self.b(sum(inputs[0] + inputs[1]))

    def act(self, inputs, fn):
        return getattr(torch, fn)(sum(inputs[0] + inputs[1]))

    def forward(self, x):
        h0 = torch.relu(self.a(x))
        """@nni.mutable_layers(
        {
            layer_choice: [self.lin(), self.act(fn="tanh"), self.act(fn="relu")],
            fixed_inputs: [h0],
            layer_output: h1
        },
        {
            layer_choice: [self.act(fn="tanh"), self.lin()],
            fixed_inputs: [h1],
            optional_inputs: [h0],
            optional_input_size: [0, 1],
            layer_output: h2
        }
        )"""
        return self.head(h2)


x = torch.randn(64, 2)
y = (x[:, 0] * x[:, 1] > 0).long()
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(STEPS):
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    """@nni.training_update(lr=0.05)"""
    opt.step()
    if step % 10 == 9:
        with torch.no_grad():
            acc = float((model(x).argmax(1) == y).float().mean())
        """@nni.report_intermediate_result(acc)"""
"""@nni.report_final_result(acc)"""
'''


@pytest.fixture
def torch_mod() -> Any:
    return pytest.importorskip("torch", reason="one-shot NAS needs torch (pip install torch==2.13.0)")


@pytest.fixture
def in_mode(monkeypatch: pytest.MonkeyPatch, torch_mod: Any) -> Callable[[str], Any]:
    """Switch this process to a NAS mode with a fresh super-network; returns it."""
    from nniannot.nas import supernet

    def switch(mode: str) -> Any:
        monkeypatch.setenv(nas.ENV_MODE, mode)
        monkeypatch.delenv("NNI_PLATFORM", raising=False)
        torch_mod.manual_seed(0)
        torch_mod.set_num_threads(1)  # a loaded 2-core machine: threads only contend
        return supernet.reset_for_tests(mode)

    return switch


def run_script(tmp_path: Path, source: str, steps: int = 30) -> dict[str, Any]:
    """Transform ``source`` and run it in this process (its namespace back)."""
    path = tmp_path / "tiny.py"
    text = source.replace("STEPS", str(steps))
    path.write_text(text)
    result = transform(text, module="tiny", path=str(path))
    assert result.ok, result.diagnostics
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(result.code, str(path), "exec"), namespace)
    return namespace

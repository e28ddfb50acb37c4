"""Every one-shot mode on a tiny mutable_layers script, in this process; and the mistakes, located."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nniannot.errors import NasError
from tests.nas.conftest import TINY, run_script

pytestmark = pytest.mark.torch

BLOCK = "tiny/mutable_block_36"


@pytest.mark.parametrize("mode", ["darts", "enas", "oneshot"])
def test_each_mode_trains_the_supernet_and_derives_an_architecture(
    mode: str, in_mode: Any, tmp_path: Path
) -> None:
    net = in_mode(mode)
    run_script(tmp_path, TINY)
    derived = net.derived()
    assert list(derived) == [BLOCK]
    layer0, layer1 = derived[BLOCK]["mutable_layer_0"], derived[BLOCK]["mutable_layer_1"]
    assert layer0["chosen_layer"] in ("self.lin()", "self.act(fn='tanh')", "self.act(fn='relu')")
    assert layer0["chosen_inputs"] == [] and set(layer1["chosen_inputs"]) <= {"h0"}
    assert len(net.history) == 4  # three intermediate reports and the final one
    weights = net.history[-1]["weights"][BLOCK]["mutable_layer_0"]["candidates"]
    assert sum(weights.values()) == pytest.approx(1.0)


def test_darts_moves_the_weights_toward_the_useful_candidate(in_mode: Any, tmp_path: Path) -> None:
    net = in_mode("darts")
    run_script(tmp_path, TINY, steps=60)
    first = net.history[0]["weights"][BLOCK]["mutable_layer_0"]["candidates"]
    last = net.history[-1]["weights"][BLOCK]["mutable_layer_0"]["candidates"]
    assert first != last


def test_enas_learns_from_reports_against_a_moving_baseline(in_mode: Any, tmp_path: Path) -> None:
    net = in_mode("enas")
    run_script(tmp_path, TINY)
    assert net.baseline is not None and 0.0 <= net.baseline <= 1.0


def _error(tmp_path: Path, source: str) -> str:
    with pytest.raises(NasError) as caught:
        run_script(tmp_path, source)
    return str(caught.value)


def test_candidates_of_different_shapes_are_named_with_their_shapes(in_mode: Any, tmp_path: Path) -> None:
    in_mode("darts")
    source = TINY.replace(
        "return self.b(sum(inputs[0] + inputs[1]))", "return sum(inputs[0] + inputs[1])[:, :3]"
    )
    message = _error(tmp_path, source)
    assert message.startswith(f"{tmp_path / 'tiny.py'}:23: error: the candidates of mutable layer")
    assert "`self.lin()` -> [64, 3]" in message and "`self.act(fn='tanh')` -> [64, 8]" in message


def test_a_candidate_returning_no_tensor_is_located(in_mode: Any, tmp_path: Path) -> None:
    in_mode("oneshot")
    source = TINY.replace("return getattr(torch, fn)(sum(inputs[0] + inputs[1]))", "return 1.0")
    message = _error(tmp_path, source)
    assert ":23: error: candidate `self.act(fn='tanh')`" in message and "returned float" in message


def test_training_update_without_mutable_layers_is_located(in_mode: Any, tmp_path: Path) -> None:
    in_mode("darts")
    source = "x = 1\n'''@nni.training_update()'''\n"
    assert _error(tmp_path, source).startswith(f"{tmp_path / 'tiny.py'}:2: error: `@nni.training_update`")


def test_enas_refuses_a_layer_run_a_varying_number_of_times(in_mode: Any, tmp_path: Path) -> None:
    in_mode("enas")
    source = TINY.replace("return self.head(h2)", "return self.head(h2) if self.training else self.head(h2)")
    source = source.replace(
        "    nn.functional.cross_entropy(model(x), y).backward()",
        "    loss = sum(nn.functional.cross_entropy(model(x), y) for _ in range(1 + step % 2))\n    loss.backward()",
    )
    message = _error(tmp_path, source)
    assert ":23: error: in enas mode mutable layer `mutable_layer_0`" in message
    assert "ran 2 times in step 2 and 1 before" in message


NO_TORCH = """
import os, sys
sys.modules["torch"] = None  # as if torch were not installed
from nniannot.transformer import transform
path = sys.argv[1]
code = transform(open(path).read(), module="tiny", path=path).code
try:
    exec(compile(code, path, "exec"), {"__name__": "__main__"})
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_without_torch_the_error_is_located_at_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "tiny.py"
    layer = "'''@nni.mutable_layers({layer_choice: [f()], fixed_inputs: [1], layer_output: y})'''"
    path.write_text(f"def f(x):\n    return x\n{layer}\n")
    env = {**os.environ, "NNIANNOT_NAS_MODE": "darts"}
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.startswith(f"NasError {path}:3: error: darts mode builds a PyTorch super-network")

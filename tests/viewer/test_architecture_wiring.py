"""The architecture graph's layer-to-layer edges: a real run records each mutable layer's output and fixed
inputs beside the search space (which stays NNI's format), and the viewer draws an edge from the layer
whose output another layer takes as input."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from nniannot.runner.store import open_reader
from nniannot.viewer import create_app

SCRIPT = textwrap.dedent(
    """
    def conv(inputs, k=3):
        return sum(sum(x) if isinstance(x, list) else x for x in inputs) + k

    def pool(inputs):
        return 1.0

    x = 1.0
    skip = 2.0
    '''@nni.mutable_layers(
    {
        layer_choice: [conv(k=3), pool()],
        fixed_inputs: [x],
        layer_output: h0
    },
    {
        layer_choice: [conv(k=5), pool()],
        fixed_inputs: [h0],
        optional_inputs: [skip],
        optional_input_size: [0, 1],
        layer_output: h1
    }
    )'''
    '''@nni.report_final_result(h1)'''
    """
)


def test_recorded_wiring_gives_edges_and_leaves_the_space_as_nni(tmp_path):
    (tmp_path / "train.py").write_text(SCRIPT)
    env = {**os.environ, "NNIANNOT_HOME": str(tmp_path / "home")}
    subprocess.run(
        [sys.executable, "-m", "nniannot", "run", "train.py", "--max-trials", "2", "--tuner", "random",
         "--seed", "1", "--plain"],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    path = str(tmp_path / "home" / "store.db")
    with open_reader(path) as reader:
        exp = reader.get_experiment(reader.resolve("latest"))
    (key,) = exp.search_space
    layers = exp.search_space[key]["_value"]
    assert all(
        set(spec) <= {"layer_choice", "optional_inputs", "optional_input_size"} for spec in layers.values()
    )
    assert exp.config["architecture"][key]["mutable_layer_1"] == {
        "layer_output": "h1", "fixed_inputs": ["h0"], "optional_inputs": ["skip"]}  # fmt: skip
    client = create_app(path, {"TESTING": True}).test_client()
    (block,) = client.get(f"/api/experiments/{exp.id}/architecture").get_json()["blocks"]
    first, second = block["layers"]
    assert first["fixed_inputs"] == ["x"] and first["sources"] == {}
    assert second["fixed_inputs"] == ["h0"] and second["sources"] == {"h0": "mutable_layer_0"}

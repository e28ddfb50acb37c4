"""The PyTorch examples, each on a tiny budget (two trials, a few epochs) with its README's config."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.examples.conftest import EXAMPLES, TIMEOUT, assert_all_succeeded, needs_torch

pytestmark = pytest.mark.torch

FUNC = EXAMPLES / "function_approximation"


def _run_tiny(cli, config, script, *script_args):
    """The config as the README runs it, with two trials and the script's tiny-budget arguments."""
    return cli(
        "run", "--config", str(config), str(script), "--max-trials", "2", "--plain", "--", *script_args
    )


@pytest.mark.parametrize(
    ("config", "script", "keys"),
    [
        ("stage1.yml", "tune_training.py", ["act_func", "learning_rate", "optimizer", "loss"]),
        ("stage2.yml", "search_architecture.py", ["n1", "n2", "n3"]),
    ],
)
def test_function_approximation_stage(cli, config, script, keys):
    needs_torch()
    _run_tiny(cli, FUNC / config, FUNC / script, "--epochs", "20")
    doc = cli.show()
    assert_all_succeeded(doc, 2)
    assert doc["optimize_mode"] == "minimize"
    assert [k.split("/")[1] for k in doc["search_space"]] == keys
    for trial in doc["trials"]:
        assert trial["intermediate_count"] == 20
        assert trial["final"]["default"] > 0 and trial["final"]["parameters"] > 0


def test_nas_mutable_layers_and_its_best_architecture_as_code(cli, tmp_path):
    needs_torch()
    example = EXAMPLES / "nas_mutable_layers"
    # The README's evolution variant of the config (TPE runs in the other examples' tests).
    cli("run", "--config", str(example / "config.yml"), str(example / "search.py"), "--tuner", "evolution",
        "--tuner-arg", "population_size=2", "--max-trials", "2", "--plain", "--", "--epochs", "3")  # fmt: skip
    doc = cli.show()
    assert_all_succeeded(doc, 2)
    assert doc["tuner"] == "evolution"
    best = doc["trials"][0] if doc["trials"][0]["id"] == doc["best"]["trial_id"] else doc["trials"][1]
    layers = best["params"]["search/mutable_block_82"]

    code = cli("show", "latest", "--best-code").stdout
    ast.parse(code)
    assert '"""@nni.mutable_layers(' not in code and "@nni.variable(" not in code
    for name, out in zip(("mutable_layer_0", "mutable_layer_1", "mutable_layer_2"), ("h1", "h2", "h3")):
        chosen = layers[name]["chosen_layer"]
        func, _, kwargs = chosen.partition("(")
        assert f"{out} = {func}([[" in code
        assert kwargs.rstrip(")").replace("'", '"') in code.replace("'", '"')
    # The specialised code is a plain script: it runs without nni-annot and gets the same architecture.
    (tmp_path / "best.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "best.py", "--epochs", "3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert f"width={best['params']['search/width/choice']}" in done.stdout


def test_model_compression_is_a_two_objective_search(cli):
    needs_torch()
    example = EXAMPLES / "model_compression"
    _run_tiny(cli, example / "config.yml", example / "compress.py", "--epochs", "5")
    doc = cli.show()
    assert_all_succeeded(doc, 2)
    assert [o["key"] for o in doc["objectives"]] == ["accuracy", "size_kb"]
    assert doc["constraints"] == [{"key": "accuracy", "op": ">=", "bound": 0.5}]
    assert doc["pareto"]["reference_point"] == [0.5, 80.0]
    for trial in doc["trials"]:
        final = trial["final"]
        assert set(final) >= {"accuracy", "size_kb", "dense_kb"}
        assert 0 < final["size_kb"] <= final["dense_kb"]
        assert trial["final_default"] == final["accuracy"]  # ranked by the first objective
        assert trial["objectives"]["feasible"] == (final["accuracy"] >= 0.5)

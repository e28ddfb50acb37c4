"""`nni-annot migrate`: NNI plain-API scripts become annotated ones that ss_gen reads back as the given space."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from nniannot.cli import main

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "nni_migration")


def nni(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _digest(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _space_back(path: str, names: dict[str, str]) -> dict:
    """ss_gen of ``path``, its `<module>/<var>/<sampler>` keys mapped back to the search-space keys."""
    result = nni("ss_gen", path)
    assert result.exit_code == 0, result.output
    by_var = {var: key for key, var in names.items()}
    return {by_var[k.split("/")[1]]: v for k, v in json.loads(result.stdout).items()}


def _names(stderr: str, space: dict) -> dict[str, str]:
    renamed = dict(re.findall(r"note: search-space key '([^']+)' is the variable (\w+)", stderr))
    return {key: renamed.get(key, key) for key in space}


def _plain_python(path: str, *args: str) -> str:
    """Run the script with plain python, no nni-annot nor nni importable."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, path, *args], cwd=os.path.dirname(path), env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_nni_migration_example_round_trips_and_runs_plainly(tmp_path):
    script = shutil.copy(os.path.join(EXAMPLE, "func_approx_nni.py"), tmp_path / "func_approx_nni.py")
    space_file = shutil.copy(os.path.join(EXAMPLE, "search_space.json"), tmp_path / "search_space.json")
    before = _digest(script)
    out = str(tmp_path / "annotated.py")
    result = nni("migrate", str(script), "--search-space", str(space_file), "-o", out)
    assert result.exit_code == 0, result.output
    assert _digest(script) == before  # the input is never modified
    with open(space_file) as f:
        space = json.load(f)
    assert _space_back(out, _names(result.stderr, space)) == space
    with open(out) as f:
        text = f.read()
    assert not re.search(r"^\s*(import nni$|nni\.)", text, re.M)  # no call of nni is left
    assert "# Grow the feature set in steps" in text  # comments kept
    assert "max error" in _plain_python(out)


SIMPLE = """
    import nni

    # the parameters
    params = nni.get_next_parameter()
    lr = params.get("lr", 0.05)  # learning rate
    hidden = params["hidden"]


    def train(config):
        return config["lr"] * config["hidden"]


    for epoch in range(2):
        nni.report_intermediate_result(lr * epoch)
    print("result", train(params), hidden)
    nni.report_final_result(
        train(params)
    )
"""
SIMPLE_SPACE = {
    "lr": {"_type": "loguniform", "_value": [0.001, 0.1]},
    "hidden": {"_type": "randint", "_value": [16, 64]},
}


def _write(tmp_path, source: str, space: dict) -> tuple[str, str]:
    script, space_file = tmp_path / "train.py", tmp_path / "space.json"
    script.write_text(textwrap.dedent(source).lstrip())
    space_file.write_text(json.dumps(space))
    return str(script), str(space_file)


def test_get_defaults_and_key_reads_become_annotated_variables(tmp_path):
    script, space_file = _write(tmp_path, SIMPLE, SIMPLE_SPACE)
    result = nni("migrate", script, "--search-space", space_file)
    assert result.exit_code == 0, result.output
    # `lr` and `hidden` are taken (by the assignments that read them), so the annotated variables get a prefix
    assert result.stderr.splitlines() == [
        "note: search-space key 'lr' is the variable param_lr",
        "note: search-space key 'hidden' is the variable param_hidden",
    ]
    text = result.stdout
    assert (
        "'''@nni.variable(nni.loguniform(0.001, 0.1), name=param_lr)'''\nparam_lr = 0.05\n" in text
    )  # the .get default
    assert (
        "'''@nni.variable(nni.randint(16, 64), name=param_hidden)'''\nparam_hidden = 16\n" in text
    )  # randint's lower
    assert "# the parameters\n'''@nni.variable" in text and "# learning rate" in text
    assert "    '''@nni.report_intermediate_result(lr * epoch)'''" in text
    out = tmp_path / "annotated.py"
    out.write_text(text)
    assert _space_back(str(out), _names(result.stderr, SIMPLE_SPACE)) == SIMPLE_SPACE
    assert _plain_python(str(out)) == "result 0.8 16\n"  # params passed whole still holds every value


def test_what_cannot_be_converted_is_left_and_listed(tmp_path):
    source = """
        import nni as n
        import nni

        params = nni.get_next_parameter()
        print(nni.get_trial_id(), params["lr"])
        value = [nni.report_final_result(1)]
    """
    script, space_file = _write(tmp_path, source, {"lr": {"_type": "choice", "_value": [0.1, 0.2]}})
    result = nni("migrate", script, "--search-space", space_file)
    assert result.exit_code == 0, result.output
    assert f"{script}:1: `import nni as n`: only `import nni` is converted" in result.stderr
    assert f"{script}:5: `nni.get_trial_id` has no annotation form" in result.stderr
    assert f"{script}:6: `nni.report_final_result` has no annotation form" in result.stderr
    assert f"{script}:2: `import nni` is kept" in result.stderr
    assert "import nni\n" in result.stdout and "lr = 0.1" in result.stdout


def test_an_unsupported_space_leaves_the_parameters_alone(tmp_path):
    space = {
        "opt": {"_type": "choice", "_value": [{"_name": "sgd", "m": {"_type": "uniform", "_value": [0, 1]}}]}
    }
    script, space_file = _write(tmp_path, SIMPLE, space)
    result = nni("migrate", script, "--search-space", space_file)
    assert result.exit_code == 0
    assert f"{script}:4: search-space key 'opt': a choice with nested" in result.stderr
    assert "params = nni.get_next_parameter()" in result.stdout and "@nni.variable" not in result.stdout


@pytest.mark.parametrize(
    ("script_text", "space_text", "says"),
    [
        ("import nni\n", "{not json", "not valid JSON"),
        ("import nni\n", "[]", "a search space is a non-empty JSON object"),
        ("def broken(:\n", '{"x": {"_type": "choice", "_value": [1]}}', "train.py:1:"),
    ],
)
def test_bad_input_is_a_located_error_and_nothing_is_written(tmp_path, script_text, space_text, says):
    (tmp_path / "train.py").write_text(script_text)
    (tmp_path / "space.json").write_text(space_text)
    out = tmp_path / "out.py"
    result = nni(
        "migrate", str(tmp_path / "train.py"), "--search-space", str(tmp_path / "space.json"), "-o", str(out)
    )
    assert result.exit_code != 0 and says in result.output, result.output
    assert not out.exists()


def test_the_output_never_replaces_the_input(tmp_path):
    script, space_file = _write(tmp_path, SIMPLE, SIMPLE_SPACE)
    before = _digest(script)
    result = nni("migrate", script, "--search-space", space_file, "-o", script)
    assert result.exit_code != 0 and "refusing to overwrite the source file" in result.output
    assert _digest(script) == before

"""``nni-annot show EXP --best-code``: the script specialised to the best trial, on scripts in tmp_path."""

from __future__ import annotations

import subprocess
import sys

import pytest

CELLS = '''
import sys

def add(inputs, k):
    return sum(inputs[0] + inputs[1]) + k

def mul(inputs, k):
    return sum(inputs[0] + inputs[1]) * k

"""@nni.variable(nni.choice(1, 2, 3), name=scale)"""
scale = 1
"""@nni.variable(nni.uniform(0.0, 1.0), name=bias)"""
bias = 0.5
x0 = 1.0
x1 = 2.0
"""@nni.mutable_layers(
{
    layer_choice: [add(k=1), mul(k=3)],
    fixed_inputs: [x0],
    optional_inputs: [x1],
    optional_input_size: [0, 1],
    layer_output: out
}
)"""
score = out * scale - abs(bias - 0.2)
"""@nni.report_final_result(score)"""
print("score", score)
'''


def _tune_then_best_code(cli, tmp_path, name, text, seed, trials):
    """Tune ``text`` saved as ``name`` with random search; the show document, its best trial, its best code."""
    (tmp_path / name).write_text(text)
    cli("run", name, "--tuner", "random", "--seed", seed, "--max-trials", trials, "--plain")
    doc = cli.show()
    best = next(t for t in doc["trials"] if t["id"] == doc["best"]["trial_id"])
    return doc, best, cli("show", "latest", "--best-code").stdout


def _plain_score(tmp_path, code):
    """Run the specialised code with plain python; the score it prints last."""
    (tmp_path / "best.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "best.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout.split()[-1])


def test_best_code_is_the_script_with_the_best_values_and_runs_plainly(cli, tmp_path):
    doc, best, code = _tune_then_best_code(cli, tmp_path, "cells.py", CELLS, "1", "8")

    assert code.startswith(f"# best trial {best['id']} of experiment {doc['id']}: default = ")
    assert f"scale = {best['params']['cells/scale/choice']}\n" in code
    assert f"bias = {best['params']['cells/bias/uniform']!r}\n" in code
    assert "# chosen from nni.uniform(0.0, 1.0)" in code
    layer = best["params"]["cells/mutable_block_24"]["mutable_layer_0"]
    func = layer["chosen_layer"].split("(")[0]
    inputs = ", ".join(layer["chosen_inputs"])
    kwarg = layer["chosen_layer"].split("(")[1].rstrip(")")
    assert f"out = {func}([[x0], [{inputs}]], {kwarg})" in code

    assert _plain_score(tmp_path, code) == pytest.approx(best["final_default"])


def test_best_code_before_any_result_is_a_clear_error(cli, tmp_path):
    (tmp_path / "fails.py").write_text(
        '"""@nni.variable(nni.choice(1, 2), name=a)"""\na = 1\nraise SystemExit(3)\n'
    )
    cli("run", "fails.py", "--max-trials", "1", "--plain", check=False)
    done = cli("show", "latest", "--best-code", check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("error: experiment ") and "no trial with a final result" in done.stderr
    assert "Traceback" not in done.stderr


def test_best_code_of_a_plain_api_script_says_there_is_no_code_to_specialise(cli, tmp_path):
    (tmp_path / "plain.py").write_text(
        "import nni\np = nni.get_next_parameter()\nnni.report_final_result(p['a'])\n"
    )
    (tmp_path / "space.json").write_text('{"a": {"_type": "choice", "_value": [1, 2]}}')
    cli("run", "plain.py", "--search-space", "space.json", "--max-trials", "2", "--plain")
    done = cli("show", "latest", "--best-code", check=False)
    assert done.returncode == 1 and "did not tune an annotated script" in done.stderr
    assert "best parameters are {'a':" in done.stderr


def test_best_code_is_the_code_that_ran_even_after_the_script_changed(cli, tmp_path):
    script = tmp_path / "t.py"
    script.write_text(
        '"""@nni.variable(nni.choice(1, 2), name=a)"""\na = 1\n"""@nni.report_final_result(a)"""\n'
    )
    cli("run", "t.py", "--max-trials", "2", "--plain")
    script.write_text(
        '"""@nni.variable(nni.choice(1, 2), name=a)"""\na = 1\n'
        '"""@nni.variable(nni.choice(5, 6), name=b)"""\nb = 5\n"""@nni.report_final_result(a + b)"""\n'
    )
    code = cli("show", "latest", "--best-code").stdout
    assert "# note: the files have changed since the experiment started; this is the code it ran" in code
    assert "b = 5" not in code and "report_final_result(a)" in code


COMPACT = '''
fast = True
if fast: """@nni.variable(nni.choice(1, 2, 3), name=a)"""; a = 1  # one-line body
class Cfg:
    """@nni.variable(nni.uniform(0.0, 1.0), name=b)"""; b = 0.5
score = a - abs(Cfg.b - 0.3)
"""@nni.report_final_result(score)"""
print("score", score)
'''


def test_best_code_of_one_line_bodies_and_semicolons_runs_and_scores_the_best_result(cli, tmp_path):
    _, best, code = _tune_then_best_code(cli, tmp_path, "compact.py", COMPACT, "2", "4")

    assert "if fast:  # one-line body\n    # chosen from nni.choice(1, 2, 3)\n" in code
    assert f"    a = {best['params']['compact/a/choice']}\n" in code
    assert _plain_score(tmp_path, code) == pytest.approx(best["final_default"])

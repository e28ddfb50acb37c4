"""``nni-annot show EXP --best-code``: the script specialised to the best trial, on scripts in tmp_path."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from nniannot.transformer.specialise import specialise

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


def test_best_code_is_the_script_with_the_best_values_and_runs_plainly(cli, tmp_path):
    (tmp_path / "cells.py").write_text(CELLS)
    cli("run", "cells.py", "--tuner", "random", "--seed", "1", "--max-trials", "8", "--plain")
    doc = cli.show()
    best = next(t for t in doc["trials"] if t["id"] == doc["best"]["trial_id"])
    code = cli("show", "latest", "--best-code").stdout

    assert code.startswith(f"# best trial {best['id']} of experiment {doc['id']}: default = ")
    assert f"scale = {best['params']['cells/scale/choice']}\n" in code
    assert f"bias = {best['params']['cells/bias/uniform']!r}\n" in code
    assert "# chosen from nni.uniform(0.0, 1.0)" in code
    layer = best["params"]["cells/mutable_block_24"]["mutable_layer_0"]
    func = layer["chosen_layer"].split("(")[0]
    inputs = ", ".join(layer["chosen_inputs"])
    kwarg = layer["chosen_layer"].split("(")[1].rstrip(")")
    assert f"out = {func}([[x0], [{inputs}]], {kwarg})" in code

    # Run plainly, the specialised script scores what the best trial scored.
    (tmp_path / "best.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "best.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[-1]) == pytest.approx(best["final_default"])


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


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_specialise_function_choice_nested_choice_and_get_next_parameter():
    code = source(
        """
        import math
        '''@nni.get_next_parameter()'''
        '''@nni.function_choice(math.tanh(x), relu(x, 0.1), name=act)'''
        y = 1 + math.tanh(x)
        '''@nni.variable(nni.choice(16, nni.randint(2, 5)), name=h)'''
        h = 16
        """
    )
    params = {"train/act/function_choice": "relu(x, 0.1)", "train/h/choice": "nni.randint(2, 5)",
              "train/__line5/randint": 3}  # fmt: skip
    result = specialise(code, params)
    assert result.notes == []
    assert result.code == source(
        """
        import math
        pass  # was @nni.get_next_parameter
        # chosen from nni.function_choice(math.tanh(x), relu(x, 0.1))
        y = 1 + relu(x, 0.1)
        # chosen from nni.choice(16, nni.randint(2, 5))
        h = 3
        """
    )


def test_specialise_keeps_a_value_that_is_none_of_the_options_and_says_so():
    result = specialise("'''@nni.variable(nni.choice(1, 2), name=a)'''\na = 1\n", {"train/a/choice": 7})
    assert result.code == "# chosen from nni.choice(1, 2)\na = 1\n"
    assert result.notes == ["train.py: `train/a/choice` = 7 is none of its options; code kept as written"]


def test_specialise_leaves_a_file_without_annotations_alone():
    assert specialise("x = 1  # comment\n", {}).code == "x = 1  # comment\n"

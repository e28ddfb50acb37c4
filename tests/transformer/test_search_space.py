"""The search space generated from annotations (ANNOTATIONS.md section 3)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from nniannot.searchspace import SearchSpace
from nniannot.transformer import collect
from tests.transformer.conftest import run

SPEC_EXAMPLE = {
    "train/lr/choice": {"_type": "choice", "_value": [0.1, 0.01, 0.001]},
    "train/self.hidden/randint": {"_type": "randint", "_value": [16, 129]},
    "train/act/function_choice": {"_type": "choice", "_value": ["relu(x)", "tanh(x)"]},
    "models.mlp/mutable_block_40": {
        "_type": "mutable_layer",
        "_value": {
            "mutable_layer_0": {
                "layer_choice": ["conv(k=3)", "pool()"],
                "optional_inputs": ["x1", "x2"],
                "optional_input_size": [0, 1],
            }
        },
    },
}

TRAIN = '''\
from models import mlp

"""@nni.variable(nni.choice(0.1, 0.01, 0.001), name=lr)"""
lr = 0.1


class Net:
    def __init__(self):
        """@nni.variable(nni.randint(16, 129), name=self.hidden)"""
        self.hidden = 32


def forward(x):
    """@nni.function_choice(relu(x), tanh(x), name=act)"""
    return relu(x)
'''


def test_the_documented_example_gives_exactly_the_documented_json(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    mlp = (
        ["def block(x0, x1, x2):"]
        + ["    pass"] * 33
        + [
            "    '''@nni.mutable_layers(",
            "        {layer_choice: [conv(k=3), pool()],",
            "         optional_inputs: [x1, x2],",
            "         optional_input_size: [0, 1],",
            "         layer_output: out}",
            "    )'''",
            "    return out",
        ]
    )
    (tmp_path / "models" / "mlp.py").write_text("\n".join(mlp) + "\n")
    project = collect(tmp_path / "train.py")
    assert project.search_space == SPEC_EXAMPLE
    assert list(project.search_space) == list(SPEC_EXAMPLE)


def test_every_sampler_gives_its_nni_type_and_values() -> None:
    result = run(
        """
        '''@nni.variable(nni.uniform(0.1, 0.5), name=a)'''
        a = 0.2
        '''@nni.variable(nni.quniform(1, 9, 2), name=b)'''
        b = 3
        '''@nni.variable(nni.loguniform(1e-4, 2**-1), name=c)'''
        c = 0.1
        '''@nni.variable(nni.qloguniform(1, 100, 1), name=d)'''
        d = 10
        '''@nni.variable(nni.normal(-1, 0.5), name=e)'''
        e = 0
        '''@nni.variable(nni.qnormal(0, 1, 0.5), name=f)'''
        f = 0
        '''@nni.variable(nni.lognormal(0, 1), name=g)'''
        g = 1
        '''@nni.variable(nni.qlognormal(0, 1, 1), name=h)'''
        h = 1
        """
    )
    assert result.ok, result.diagnostics
    values = {k.split("/")[1]: (v["_type"], v["_value"]) for k, v in result.search_space.items()}
    assert values == {
        "a": ("uniform", [0.1, 0.5]),
        "b": ("quniform", [1, 9, 2]),
        "c": ("loguniform", [1e-4, 0.5]),
        "d": ("qloguniform", [1, 100, 1]),
        "e": ("normal", [-1, 0.5]),
        "f": ("qnormal", [0, 1, 0.5]),
        "g": ("lognormal", [0, 1]),
        "h": ("qlognormal", [0, 1, 1]),
    }


def test_choice_labels_are_rendered_as_nni_rendered_them() -> None:
    result = run(
        """
        '''@nni.variable(nni.choice(1, 'a', True, None, 5*6, [1,2], -1, f(x)), name=v)'''
        v = 1
        """
    )
    assert result.search_space["train/v/choice"]["_value"] == [
        1, "a", True, None, "(5 * 6)", "[1, 2]", "(-1)", "f(x)",
    ]  # fmt: skip


def test_nested_sampler_in_a_choice_becomes_its_own_parameter() -> None:
    result = run(
        """
        x = 0
        '''@nni.variable(nni.choice(nni.uniform(0, 1), 2), name=v)'''
        v = 2
        """
    )
    assert result.search_space == {
        "train/v/choice": {"_type": "choice", "_value": ["nni.uniform(0, 1)", 2]},
        "train/__line3/uniform": {"_type": "uniform", "_value": [0, 1]},
    }


def test_the_same_key_with_the_same_definition_is_one_shared_parameter() -> None:
    result = run(
        """
        '''@nni.variable(nni.choice(1, 2), name=n)'''
        n = 1
        def f():
            '''@nni.variable(nni.choice(1, 2), name=n)'''
            n = 2
        """
    )
    assert result.ok
    assert list(result.search_space) == ["train/n/choice"]


def test_keys_keep_source_order_and_the_module_name() -> None:
    result = run(
        """
        '''@nni.variable(nni.choice(1, 2), name=z)'''
        z = 1
        '''@nni.variable(nni.choice(1, 2), name=a)'''
        a = 1
        """,
        module="pkg.train",
    )
    assert list(result.search_space) == ["pkg.train/z/choice", "pkg.train/a/choice"]


def test_mutable_layers_without_optional_inputs_and_several_layers() -> None:
    result = run(
        """
        '''@nni.mutable_layers(
            {layer_choice: [conv(size=3), conv(size=5)], fixed_inputs: [x], layer_output: h1},
            {layer_choice: [pool()], fixed_inputs: [h1], optional_inputs: [x], optional_input_size: 1,
             layer_output: h2},
        )'''
        """
    )
    assert result.ok, result.diagnostics
    assert result.search_space == {
        "train/mutable_block_6": {
            "_type": "mutable_layer",
            "_value": {
                "mutable_layer_0": {
                    "layer_choice": ["conv(size=3)", "conv(size=5)"],
                    "optional_inputs": [],
                    "optional_input_size": 0,
                },
                "mutable_layer_1": {
                    "layer_choice": ["pool()"],
                    "optional_inputs": ["x"],
                    "optional_input_size": 1,
                },
            },
        }
    }


def test_generated_spaces_round_trip_through_the_types() -> None:
    result = run(
        """
        '''@nni.variable(nni.choice(nni.uniform(0, 1), 2), name=v)'''
        v = 2
        '''@nni.mutable_layers({layer_choice: [a()], optional_inputs: [x, y], optional_input_size: [1, 2], layer_output: o})'''
        """
    )
    text = json.dumps(result.search_space)
    assert SearchSpace.from_json(json.loads(text)).to_json() == result.search_space


def test_leading_whitespace_in_the_string_is_accepted() -> None:
    result = run(
        textwrap.dedent("""
        '''
        @nni.variable(nni.choice(1, 2), name=v)
        '''
        v = 1
        """)
    )
    assert result.ok and list(result.search_space) == ["train/v/choice"]

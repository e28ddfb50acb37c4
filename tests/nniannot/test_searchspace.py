from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot.errors import SearchSpaceError
from nniannot.searchspace import Choice, MutableLayer, Nested, RandInt, SearchSpace, short_names

EXAMPLE = {
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


def test_example_round_trips_with_order_kept() -> None:
    space = SearchSpace.from_json(EXAMPLE)
    assert space.to_json() == EXAMPLE
    assert list(space.to_json()) == list(EXAMPLE)
    assert isinstance(space["train/self.hidden/randint"], RandInt)
    assert isinstance(space["models.mlp/mutable_block_40"], MutableLayer)


def test_nested_choice_parses_into_sub_spaces() -> None:
    raw = {
        "model": {
            "_type": "choice",
            "_value": [
                {"_name": "svm", "C": {"_type": "loguniform", "_value": [0.01, 10]}},
                {"_name": "tree", "depth": {"_type": "randint", "_value": [1, 8]}},
                "none",
            ],
        }
    }
    space = SearchSpace.from_json(raw)
    choice = space["model"]
    assert isinstance(choice, Choice) and choice.is_nested
    assert isinstance(choice.options[0], Nested) and choice.options[0].space.keys() == ["C"]
    assert space.to_json() == raw
    assert space.contains({"model": {"_name": "svm", "C": 1.0}})
    assert not space.contains({"model": {"_name": "svm", "C": 100.0}})
    assert space.contains({"model": "none"})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"_type": "uniform", "_value": [3, 1]}, "`low < high` must hold, but got low=3, high=1"),
        ({"_type": "loguniform", "_value": [0, 1]}, "`0 < low` must hold"),
        ({"_type": "randint", "_value": [5, 5]}, "`lower < upper` must hold"),
        ({"_type": "randint", "_value": [1.5, 5]}, "must be an integer"),
        ({"_type": "quniform", "_value": [0, 1]}, "takes [low, high, q]"),
        ({"_type": "quniform", "_value": [0, 1, 0]}, "`q > 0` must hold"),
        ({"_type": "normal", "_value": [0, -1]}, "`sigma > 0` must hold"),
        ({"_type": "uniform", "_value": [0, "1"]}, "needs a finite number for high"),
        ({"_type": "choice", "_value": []}, "non-empty list"),
        ({"_type": "gaussian", "_value": [0, 1]}, "unknown `_type` 'gaussian'"),
        ({"_value": [0, 1]}, "needs `_type` and `_value`"),
        (
            {
                "_type": "mutable_layer",
                "_value": {
                    "l": {"layer_choice": ["a()"], "optional_inputs": ["x"], "optional_input_size": 2}
                },
            },
            "0 <= min <= max <= len(optional_inputs)",
        ),
    ],
)
def test_bad_specs_name_the_key_and_the_rule(spec: dict, message: str) -> None:
    with pytest.raises(SearchSpaceError) as err:
        SearchSpace.from_json({"k": spec})
    assert "'k'" in str(err.value)
    assert message in str(err.value)


def test_nested_error_names_the_full_path() -> None:
    raw = {"m": {"_type": "choice", "_value": [{"_name": "a", "x": {"_type": "uniform", "_value": [2, 1]}}]}}
    with pytest.raises(SearchSpaceError, match="'m/a/x'"):
        SearchSpace.from_json(raw)


def test_check_reports_unknown_missing_and_out_of_range() -> None:
    space = SearchSpace.from_json({"a": {"_type": "uniform", "_value": [0, 1]}})
    with pytest.raises(SearchSpaceError, match="unknown parameter 'b'"):
        space.check({"a": 0.5, "b": 1})
    with pytest.raises(SearchSpaceError, match="'a' is missing"):
        space.check({})
    with pytest.raises(SearchSpaceError, match="outside"):
        space.check({"a": 2})


def test_short_names_are_unambiguous() -> None:
    keys = ["train/lr/choice", "models.a/lr/choice", "train/hidden/randint", "plain", "m/mutable_block_3"]
    names = short_names(keys)
    assert names["train/hidden/randint"] == "hidden"
    assert names["train/lr/choice"] == "train/lr"
    assert names["models.a/lr/choice"] == "models.a/lr"
    assert names["plain"] == "plain"
    assert names["m/mutable_block_3"] == "mutable_block_3"


# --- property tests ------------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
positive = st.floats(min_value=1e-6, max_value=1e6)


@st.composite
def param_specs(draw: st.DrawFn, depth: int = 0) -> dict:
    kind = draw(
        st.sampled_from(
            [
                "choice",
                "randint",
                "uniform",
                "quniform",
                "loguniform",
                "qloguniform",
                "normal",
                "qnormal",
                "lognormal",
                "qlognormal",
            ]
            + (["nested"] if depth == 0 else [])
        )
    )
    if kind == "choice":
        options = draw(
            st.lists(st.one_of(finite, st.text(max_size=5), st.booleans(), st.none()), min_size=1, max_size=5)
        )
        return {"_type": "choice", "_value": options}
    if kind == "nested":
        names = draw(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=3, unique=True))
        options = []
        for name in names:
            sub = draw(
                st.dictionaries(
                    st.text(min_size=1, max_size=4).filter(lambda s: s != "_name"),
                    param_specs(depth=1),
                    max_size=2,
                )
            )
            options.append({"_name": name, **sub})
        return {"_type": "choice", "_value": options}
    if kind == "randint":
        low = draw(st.integers(-100, 100))
        return {"_type": "randint", "_value": [low, low + draw(st.integers(1, 100))]}
    if kind in ("uniform", "quniform", "loguniform", "qloguniform"):
        low = draw(positive if "log" in kind else finite)
        high = low + draw(st.floats(min_value=1e-3, max_value=1e3))
        value = [low, high] + ([draw(positive)] if kind.startswith("q") else [])
        return {"_type": kind, "_value": value}
    value = [draw(finite), draw(positive)] + ([draw(positive)] if kind.startswith("q") else [])
    return {"_type": kind, "_value": value}


spaces = st.dictionaries(st.text(min_size=1, max_size=10), param_specs(), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(spaces)
def test_json_round_trips_through_the_types(raw: dict) -> None:
    space = SearchSpace.from_json(raw)
    assert space.to_json() == raw
    assert SearchSpace.from_json(json.loads(json.dumps(space.to_json()))).to_json() == raw


@settings(max_examples=100, deadline=None)
@given(spaces, st.integers(0, 2**32 - 1))
def test_samples_are_inside_the_space(raw: dict, seed: int) -> None:
    space = SearchSpace.from_json(raw)
    values = space.sample(random.Random(seed))
    assert space.contains(values), values


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | finite | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    )
)
def test_arbitrary_json_never_raises_anything_but_search_space_error(raw: object) -> None:
    try:
        SearchSpace.from_json(raw)
    except SearchSpaceError:
        pass


def test_quantized_values_carry_no_float_noise() -> None:
    from nniannot.searchspace import quantize

    assert quantize(0.58, 0.1) == 0.6 and repr(quantize(0.58, 0.1)) == "0.6"
    space = SearchSpace.from_json({"q": {"_type": "quniform", "_value": [0, 1, 0.1]}})
    rng = random.Random(0)
    assert all(len(repr(space.sample(rng)["q"])) <= 4 for _ in range(200))


@settings(max_examples=200, deadline=None)
@given(finite, positive)
def test_quantize_stays_on_the_grid(x: float, q: float) -> None:
    from nniannot.searchspace import quantize

    exact = round(x / q) * q
    assert abs(quantize(x, q) - exact) <= 1e-12 * max(1.0, abs(exact))


def test_layer_and_input_choice_round_trip_and_check_nni_values():
    import random as _random

    from nniannot.errors import SearchSpaceError as _Err
    from nniannot.searchspace import SearchSpace as _Space

    raw = {
        "LayerChoice1": {"_type": "layer_choice", "_value": ["conv3x3", "conv5x5"]},
        "InputChoice2": {"_type": "input_choice", "_value": {"candidates": ["a", "b", "c"], "n_chosen": 2}},
    }
    space = _Space.from_json(raw)
    assert space.to_json() == raw
    assert space.contains(
        {
            "LayerChoice1": {"_value": "conv5x5", "_idx": 1},
            "InputChoice2": {"_value": ["c", "a"], "_idx": [2, 0]},
        }
    )
    assert not space.contains(
        {"LayerChoice1": {"_value": "conv3x3", "_idx": 1}, "InputChoice2": {"_value": ["a"], "_idx": [0]}}
    )
    rng = _random.Random(0)
    assert all(space.contains(space.sample(rng)) for _ in range(50))
    assert len(space["InputChoice2"].values()) == 3
    with pytest.raises(_Err, match=r"InputChoice2.*n_chosen"):
        _Space.from_json(
            {"InputChoice2": {"_type": "input_choice", "_value": {"candidates": ["a"], "n_chosen": 3}}}
        )
    with pytest.raises(_Err, match=r"LayerChoice1.*distinct"):
        _Space.from_json({"LayerChoice1": {"_type": "layer_choice", "_value": ["a", "a"]}})

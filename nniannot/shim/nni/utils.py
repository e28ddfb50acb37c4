"""``nni.utils``: ``merge_parameter`` (NNI's examples fold tuned values into argparse results with it) and
what custom tuners and assessors import: ``OptimizeMode``, ``extract_scalar_reward``, ...
"""

from __future__ import annotations

from enum import Enum, unique
from typing import Any


@unique
class OptimizeMode(Enum):
    """Whether a tuner maximizes or minimizes the reported result (``OptimizeMode("maximize")``)."""

    Minimize = "minimize"
    Maximize = "maximize"


class NodeType:
    """The keys of NNI's search-space JSON."""

    ROOT = "root"
    TYPE = "_type"
    VALUE = "_value"
    INDEX = "_index"
    NAME = "_name"


class MetricType:
    """The ``type`` of a metric record an advisor receives."""

    FINAL = "FINAL"
    PERIODICAL = "PERIODICAL"
    REQUEST_PARAMETER = "REQUEST_PARAMETER"


def split_index(params: Any) -> Any:
    """``params`` with every ``{"_index": i, "_value": v}`` replaced by ``v``."""
    if isinstance(params, dict):
        if NodeType.INDEX in params:
            return split_index(params[NodeType.VALUE])
        return {key: split_index(value) for key, value in params.items()}
    return params


def extract_scalar_reward(value: Any, scalar_key: str = "default") -> Any:
    """The number of a final result: ``value`` itself, or its ``scalar_key`` entry (RuntimeError otherwise)."""
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and isinstance(value.get(scalar_key), (float, int)):
        return value[scalar_key]
    raise RuntimeError(
        "Incorrect final result: the final result should be float/int, "
        'or a dict which has a key named "default" whose value is float/int.'
    )


def extract_scalar_history(trial_history: list[Any], scalar_key: str = "default") -> list[Any]:
    """:func:`extract_scalar_reward` of each intermediate result."""
    return [extract_scalar_reward(item, scalar_key) for item in trial_history]


def convert_dict2tuple(value: Any) -> Any:
    """Dicts (nested too) as sorted tuples of items, so they can be hashed; changes ``value`` in place."""
    if isinstance(value, dict):
        for key in value:
            value[key] = convert_dict2tuple(value[key])
        return tuple(sorted(value.items()))
    return value


class ClassArgsValidator:
    """NNI checked class arguments with it before building a tuner; nni-annot checks them itself."""

    def validate_class_args(self, **kwargs: Any) -> None:
        pass


def merge_parameter(base_params: Any, override_params: dict[str, Any]) -> Any:
    """Set each tuned value on ``base_params`` (an argparse Namespace or a dict), converting to its type.

    As in NNI, a key that ``base_params`` does not have is an error, and a value is converted to the type of
    the value it replaces (None accepts anything).
    """
    if override_params is None:
        return base_params
    is_dict = isinstance(base_params, dict)
    for key, value in override_params.items():
        has = key in base_params if is_dict else hasattr(base_params, key)
        if not has:
            raise ValueError(f"key '{key}' not found in base parameters")
        current = base_params[key] if is_dict else getattr(base_params, key)
        if current is not None and value is not None and type(current) is not type(value):
            value = type(current)(value)
        if is_dict:
            base_params[key] = value
        else:
            setattr(base_params, key, value)
    return base_params

"""``nni.utils.merge_parameter``, which NNI's examples use to fold tuned values into argparse results."""

from __future__ import annotations

from typing import Any


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

"""The runtime that rewritten trial code calls (``from nniannot import annotation as _nni_annot``).

Inside an experiment every function reads the trial's value by its search-space key. Standalone (no
experiment) the rewritten code keeps its original values itself (it asks :func:`standalone`), and
:func:`mutable_layer` takes the first layer choice with the fewest optional inputs. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from nniannot import trial
from nniannot.errors import ProtocolError
from nniannot.trial import get_next_parameter, report_final_result, report_intermediate_result

TYPE_CHECKING = False  # every annotated trial imports this module: keep `typing` off its start-up
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn

__all__ = [
    "choice",
    "function_choice",
    "get_next_parameter",
    "lognormal",
    "loguniform",
    "mutable_layer",
    "no_choice",
    "normal",
    "qlognormal",
    "qloguniform",
    "qnormal",
    "quniform",
    "randint",
    "report_final_result",
    "report_intermediate_result",
    "standalone",
    "training_update",
    "uniform",
    "value",
]


def standalone() -> bool:
    """True when the script runs outside an experiment (its original values apply)."""
    return trial.is_standalone()


def value(key: str) -> Any:
    """The trial's value for ``key``; ProtocolError naming the key if the trial has none."""
    params = trial.parameters_view()
    if key not in params:
        known = ", ".join(sorted(params)) or "none"
        raise ProtocolError(
            f"this trial has no parameter `{key}` (it has: {known}); the search space does not match the "
            "script — regenerate it with `nni-annot ss_gen`"
        )
    return params[key]


def _number(key: str, kind: str) -> float:
    got = value(key)
    if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
        raise ProtocolError(f"parameter `{key}` ({kind}) must be a finite number, but the trial got {got!r}")
    return got


def randint(key: str) -> int:
    """An int in ``[lower, upper)``."""
    got = _number(key, "randint")
    if not float(got).is_integer():
        raise ProtocolError(f"parameter `{key}` (randint) must be an integer, but the trial got {got!r}")
    return int(got)


def uniform(key: str) -> float:
    return _number(key, "uniform")


def quniform(key: str) -> float:
    return _number(key, "quniform")


def loguniform(key: str) -> float:
    return _number(key, "loguniform")


def qloguniform(key: str) -> float:
    return _number(key, "qloguniform")


def normal(key: str) -> float:
    return _number(key, "normal")


def qnormal(key: str) -> float:
    return _number(key, "qnormal")


def lognormal(key: str) -> float:
    return _number(key, "lognormal")


def qlognormal(key: str) -> float:
    return _number(key, "qlognormal")


def choice(key: str, label: Any) -> bool:
    """True if the trial chose the option labelled ``label`` for ``key``."""
    return _same(value(key), label)


def function_choice(key: str, label: Any) -> bool:
    """True if the trial chose the candidate labelled ``label`` for the function choice ``key``."""
    return _same(value(key), label)


def no_choice(key: str, labels: Sequence[Any]) -> NoReturn:
    """Raised into when the trial's value for a choice is none of its options."""
    raise ProtocolError(
        f"parameter `{key}` must be one of {list(labels)!r}, but the trial got {value(key)!r}"
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b) and (isinstance(a, (int, float)) == isinstance(b, (int, float)))


def mutable_layer(
    block: str,
    layer: str,
    funcs: Mapping[str, Callable[..., Any]],
    funcs_kwargs: Mapping[str, Mapping[str, Any]],
    fixed_inputs: list[Any],
    optional_inputs: Mapping[str, Any],
    optional_input_size: int | Sequence[int],
) -> Any:
    """Call the chosen layer as ``layer([fixed_inputs, chosen_optional_inputs], **kwargs)``.

    Standalone: the first layer choice and the first ``min`` optional inputs.
    """
    if standalone():
        chosen = next(iter(funcs))
        size = optional_input_size if isinstance(optional_input_size, int) else optional_input_size[0]
        names = list(optional_inputs)[:size]
    else:
        chosen, names = _layer_value(block, layer, funcs, optional_inputs)
    inputs = [optional_inputs[name] for name in names]
    return funcs[chosen]([fixed_inputs, inputs], **funcs_kwargs[chosen])


def _layer_value(
    block: str, layer: str, funcs: Mapping[str, Any], optional_inputs: Mapping[str, Any]
) -> tuple[str, list[str]]:
    got = value(block)
    entry = got.get(layer) if isinstance(got, Mapping) else None
    if not isinstance(entry, Mapping) or entry.get("chosen_layer") not in funcs:
        raise ProtocolError(
            f"parameter `{block}` needs `{layer}`: {{'chosen_layer': one of {list(funcs)!r}, "
            f"'chosen_inputs': [...]}}, but the trial got {got!r}"
        )
    names = entry.get("chosen_inputs", [])
    if not isinstance(names, list) or any(n not in optional_inputs for n in names):
        raise ProtocolError(
            f"parameter `{block}` layer `{layer}`: chosen_inputs must be taken from "
            f"{list(optional_inputs)!r}, but the trial got {names!r}"
        )
    return entry["chosen_layer"], names


def training_update(*args: Any, **kwargs: Any) -> None:
    """NNI's one-shot TensorFlow NAS hook; nothing to do in classic (trial-per-architecture) mode."""

"""The runtime that rewritten trial code calls (``from nniannot import annotation as _nni_annot``).

Inside an experiment every function reads the trial's value by its search-space key. Standalone (no
experiment) the rewritten code keeps its original values itself (it asks :func:`standalone`), and
:func:`mutable_layer` takes the first layer choice with the fewest optional inputs. Standard library only.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping

from nniannot import nas, trial
from nniannot.errors import NasError, ProtocolError
from nniannot.trial import get_next_parameter

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

    Standalone: the first layer choice and the first ``min`` optional inputs. In a one-shot mode
    (darts, enas, oneshot) the super-network computes it instead (:mod:`nniannot.nas.supernet`).
    """
    if nas.mode() != "classic":
        net = _supernet()
        return net.current().call(
            block, layer, funcs, funcs_kwargs, fixed_inputs, optional_inputs, optional_input_size,
            net.where_of(1),
        )  # fmt: skip
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


def _supernet() -> Any:
    """The torch super-network module; a located error when torch is missing."""
    try:
        from nniannot.nas import supernet
    except ImportError as exc:
        if exc.name != "torch":
            raise
        caller = sys._getframe(2)
        raise NasError(
            f"{caller.f_code.co_filename}:{caller.f_lineno}: error: {nas.mode()} mode builds a PyTorch "
            "super-network, but torch is not installed (pip install torch==2.13.0), or run in classic mode"
        ) from None
    return supernet


def _nas_active() -> bool:
    return nas.mode() != "classic" and "nniannot.nas.supernet" in sys.modules


def training_update(*args: Any, **kwargs: Any) -> None:
    """The one-shot hook after ``loss.backward()``: steps the architecture side; nothing in classic mode.

    Keywords: ``loss=`` (darts: a separate loss whose gradient steps the architecture weights),
    ``lr=`` (the architecture optimiser's learning rate). NNI's ``tf=``/``session=`` are ignored.
    """
    if nas.mode() == "classic":
        return
    net = _supernet()
    net.current().update(net.where_of(1), **kwargs)


def report_intermediate_result(metric: Any) -> None:
    """Report an intermediate result; in a one-shot mode also rewards enas and records the architecture."""
    trial.report_intermediate_result(metric)
    if _nas_active():
        from nniannot.nas import supernet

        net = supernet.current()
        value = metric.get("default") if isinstance(metric, Mapping) else metric
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            net.reward(float(value))
        net.snapshot()
        net.write()


def report_final_result(metric: Any) -> None:
    """Report the final result; in a one-shot mode also records the derived architecture."""
    trial.report_final_result(metric)
    if _nas_active():
        from nniannot.nas import supernet

        net = supernet.current()
        net.snapshot()
        net.write()

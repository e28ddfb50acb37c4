"""The trial API: what a trial script (or the code nni-annot rewrites it into) calls.

Inside an experiment (``NNI_PLATFORM`` set) parameters come from ``$NNI_SYS_DIR/parameter.cfg`` and metrics
go to ``$NNI_SYS_DIR/.nni/metrics``. Standalone (``NNI_PLATFORM`` unset) there are no parameters and reports
are written to stderr, so the script runs as it always did. Standard library only.
"""

from __future__ import annotations

import os
import sys
import threading

from nniannot import protocol
from nniannot.errors import MetricError

TYPE_CHECKING = False  # every trial imports this module: keep `typing` off its start-up
if TYPE_CHECKING:
    from typing import Any

_lock = threading.Lock()
_state: dict[str, Any] = {"record": None, "sequence": 0, "metrics": None}


def is_standalone() -> bool:
    """True when no experiment started this process."""
    return not os.environ.get(protocol.ENV_PLATFORM)


def _record() -> dict[str, Any] | None:
    if is_standalone():
        return None
    with _lock:
        if _state["record"] is None:
            _state["record"] = protocol.read_parameter_file(os.environ[protocol.ENV_SYS_DIR])
        return _state["record"]


def get_next_parameter() -> dict[str, Any]:
    """The parameters of this trial, keyed like the search space; ``{}`` when standalone."""
    record = _record()
    return dict(record["parameters"]) if record else {}


def parameters_view() -> dict[str, Any]:
    """This trial's parameters without a copy, for the annotation runtime: callers must not change it.

    :func:`get_next_parameter` copies, so a script may change what it gets; a rewritten script reads one
    key per annotation, and copying all of them each time would make a trial of n annotations cost n².
    """
    record = _record()
    return record["parameters"] if record else {}


def get_current_parameter(key: str | None = None) -> Any:
    """This trial's parameters, or the one named ``key`` (``None`` if standalone or not given)."""
    params = get_next_parameter()
    return params if key is None else params.get(key)


def get_trial_id() -> str:
    return os.environ.get(protocol.ENV_TRIAL_ID, "STANDALONE")


def get_experiment_id() -> str:
    return os.environ.get(protocol.ENV_EXP_ID, "STANDALONE")


def get_sequence_id() -> int:
    try:
        return int(os.environ.get(protocol.ENV_SEQ_ID, "0"))
    except ValueError:
        return 0


def report_intermediate_result(metric: Any) -> None:
    """Report one intermediate (per-epoch) result: a number or a dict with a numeric ``default``.

    numpy and torch scalars count as numbers. Anything else raises MetricError here, at the call, naming
    what was given; nothing is recorded then. NaN and infinities are recorded as reported (the runner
    counts them as no usable result).
    """
    metric = _checked(metric, "report_intermediate_result")
    with _lock:
        sequence = _state["sequence"]
        _state["sequence"] = sequence + 1
    _send(metric, "PERIODICAL", sequence)


def report_final_result(metric: Any) -> None:
    """Report the trial's final result: a number or a dict with a numeric ``default``.

    Checked as :func:`report_intermediate_result` checks; the first final result of a trial counts.
    """
    _send(_checked(metric, "report_final_result"), "FINAL", 0)


def _checked(metric: Any, caller: str) -> Any:
    """``metric`` as plain JSON data, or MetricError naming ``caller`` (standalone too: a bug shows early)."""
    try:
        plain = _plain(metric, 0)
        protocol.check_reportable(plain, _ranked_by())
    except MetricError as exc:
        raise MetricError(f"{caller}(): {exc}") from None
    return plain


def _ranked_by() -> tuple[str, ...] | None:
    """None when the experiment declares objectives (the runner checks their keys), or when the script runs
    standalone (it cannot know its objectives): then a dict needs no ``default`` entry."""
    return None if is_standalone() or os.environ.get(protocol.ENV_OBJECTIVES) else ("default",)


def _send(metric: Any, kind: str, sequence: int) -> None:
    if is_standalone():
        label = "final result" if kind == "FINAL" else f"intermediate result #{sequence}"
        sys.stderr.write(f"[nni-annot] {label}: {metric!r}\n")
        return
    record = _record()
    data = protocol.encode_metric(
        metric,
        kind=kind,
        sequence=sequence,
        parameter_id=record.get("parameter_id") if record else None,
        trial_id=get_trial_id(),
        ranked_by=_ranked_by(),
    )
    with _lock:
        if _state["metrics"] is None:
            path = os.path.join(os.environ[protocol.ENV_SYS_DIR], protocol.METRICS_FILE)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _state["metrics"] = open(path, "ab")  # noqa: SIM115 - kept open for the life of the trial
        _state["metrics"].write(data)
        _state["metrics"].flush()


def _plain(metric: Any, depth: int) -> Any:
    """Turn numpy / torch scalars and containers of them into plain JSON values.

    What is not JSON data and has no scalar value is returned as it is, for the check to name it (it used
    to become its ``str()``: a reported ``...`` was recorded as "Ellipsis").
    """
    if depth > protocol.MAX_METRIC_DEPTH:  # also ends a container that holds itself
        raise MetricError(f"a dict metric may nest at most {protocol.MAX_METRIC_DEPTH} levels deep")
    if isinstance(metric, dict):
        return {str(k): _plain(v, depth + 1) for k, v in metric.items()}
    if isinstance(metric, (list, tuple)):
        return [_plain(v, depth + 1) for v in metric]
    if isinstance(metric, (bool, str)) or metric is None:
        return metric
    if isinstance(metric, int):
        return int(metric)
    if isinstance(metric, float):  # also numpy.float64, a float subclass whose repr is not plain
        return float(metric)
    item = getattr(metric, "item", None)  # numpy scalar, 0-d array, torch scalar tensor
    if callable(item):
        try:
            value = item()
        except (TypeError, ValueError, RuntimeError):  # an array of several values: not a scalar
            return metric
        return value if isinstance(value, (bool, int, float)) else metric
    if hasattr(type(metric), "__float__"):  # Decimal, Fraction and other real numbers
        try:
            return float(metric)
        except (TypeError, ValueError, OverflowError):
            return metric
    return metric


def _reset_for_tests() -> None:
    with _lock:
        if _state["metrics"] is not None:
            _state["metrics"].close()
        _state.update(record=None, sequence=0, metrics=None)

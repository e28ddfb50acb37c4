"""A small stand-in for Microsoft NNI's trial API, backed by nniannot.

nni-annot puts this package on a trial's path only when the real ``nni`` is not installed for the trial's
interpreter, so scripts written against NNI's plain API (``import nni``; ``nni.get_next_parameter()``;
``nni.report_final_result(...)``) run unchanged. It speaks NNI's own trial protocol.

The runner imports it too, for custom tuners, assessors and advisors written against NNI's classes
(``nni.tuner``, ``nni.assessor``, ``nni.runtime.msg_dispatcher_base``); see docs/tuners.md.
"""

from __future__ import annotations

from nni.common.serializer import dump, load, trace  # type: ignore[import-not-found]
from nniannot import __version__ as _nniannot_version
from nniannot import (
    get_current_parameter,
    get_experiment_id,
    get_next_parameter,
    get_sequence_id,
    get_trial_id,
    report_final_result,
    report_intermediate_result,
)

__version__ = f"nniannot-shim-{_nniannot_version}"


class NoMoreTrialError(Exception):
    """Raised by a tuner that has no configuration to give now (NNI's spelling and message)."""

    def __init__(self, ErrorInfo: str = "Search space fully explored") -> None:
        super().__init__(ErrorInfo)
        self.errorinfo = ErrorInfo

    def __str__(self) -> str:
        return self.errorinfo


__all__ = [
    "NoMoreTrialError",
    "dump",
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_sequence_id",
    "get_trial_id",
    "load",
    "report_final_result",
    "report_intermediate_result",
    "trace",
]

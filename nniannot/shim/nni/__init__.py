"""A small stand-in for Microsoft NNI's trial API, backed by nniannot.

nni-annot puts this package on a trial's path only when the real ``nni`` is not installed for the trial's
interpreter, so scripts written against NNI's plain API (``import nni``; ``nni.get_next_parameter()``;
``nni.report_final_result(...)``) run unchanged. It speaks NNI's own trial protocol.
"""

from __future__ import annotations

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

__all__ = [
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_sequence_id",
    "get_trial_id",
    "report_final_result",
    "report_intermediate_result",
]

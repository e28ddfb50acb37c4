"""nni-annot's trial-side package: the trial API, the annotation runtime, the shared vocabulary.

``import nniannot`` pulls in the standard library only and takes milliseconds: every trial pays for it.
"""

from __future__ import annotations

from nniannot.trial import (
    get_current_parameter,
    get_experiment_id,
    get_next_parameter,
    get_sequence_id,
    get_trial_id,
    report_final_result,
    report_intermediate_result,
)

__version__ = "0.1.0"

__all__ = [
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_sequence_id",
    "get_trial_id",
    "report_final_result",
    "report_intermediate_result",
]

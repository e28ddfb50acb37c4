"""``nni.recoverable.Recoverable``: the base of NNI's tuners, assessors and advisors."""

from __future__ import annotations

import os
from typing import Any

from nni.common.serializer import load  # type: ignore[import-not-found]


class Recoverable:
    """Checkpoint hooks (nni-annot calls none of them) and NNI's bookkeeping of resumed parameter ids."""

    def __init__(self) -> None:
        self.recovered_max_param_id = -1
        self.recovered_trial_params: dict[Any, Any] = {}

    def load_checkpoint(self) -> None:
        pass

    def save_checkpoint(self) -> None:
        pass

    def get_checkpoint_path(self) -> str | None:
        path = os.getenv("NNI_CHECKPOINT_DIRECTORY")
        return path if path is not None and os.path.isdir(path) else None

    def recover_parameter_id(self, data: Any) -> int:
        """Remember the parameters of resumed trials (``{"parameter_id", "parameters"}`` records); the largest id."""
        records = data if isinstance(data, list) else [data]
        largest = 0
        for record in records:
            if isinstance(record, str):
                record = load(record)
            if not isinstance(record.get("parameter_id"), int):
                continue
            self.recovered_trial_params[record["parameter_id"]] = record["parameters"]
            largest = max(largest, record["parameter_id"])
        self.recovered_max_param_id = largest
        return largest

    def is_created_in_previous_exp(self, param_id: Any) -> bool:
        if param_id is None or not isinstance(param_id, int):
            return False
        return param_id <= self.recovered_max_param_id

    def get_previous_param(self, param_id: int) -> Any:
        return self.recovered_trial_params[param_id]

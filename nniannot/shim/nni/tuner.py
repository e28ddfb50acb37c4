"""``nni.tuner.Tuner``: the base class of a tuner written against NNI's API.

nni-annot calls ``update_search_space`` once with the search space's JSON, then
``generate_multiple_parameters`` (whose default calls ``generate_parameters`` per id) with integer
parameter ids, ``receive_trial_result`` with the final result as the trial reported it (a number, or the
dict with ``"default"``), and ``trial_end`` once per trial. Raising :class:`nni.NoMoreTrialError` means no
configuration can be given now.
"""

from __future__ import annotations

from typing import Any

import nni  # type: ignore[import-not-found]
from nni.recoverable import Recoverable  # type: ignore[import-not-found]

__all__ = ["Tuner"]


class Tuner(Recoverable):
    """Override ``update_search_space``, ``receive_trial_result`` and ``generate_parameters`` (or
    ``generate_multiple_parameters``); ``trial_end`` and ``import_data`` if they are of use."""

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> Any:
        raise NotImplementedError("Tuner: generate_parameters not implemented")

    def generate_multiple_parameters(self, parameter_id_list: list[int], **kwargs: Any) -> list[Any]:
        """One configuration per id, by ``generate_parameters``; fewer once it raises NoMoreTrialError."""
        result = []
        for parameter_id in parameter_id_list:
            try:
                result.append(self.generate_parameters(parameter_id, **kwargs))
            except nni.NoMoreTrialError:
                return result
        return result

    def receive_trial_result(self, parameter_id: int, parameters: Any, value: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Tuner: receive_trial_result not implemented")

    def _accept_customized_trials(self, accept: bool = True) -> None:
        self._accept_customized = accept

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """A trial ended (``success``: it succeeded). Nothing by default."""

    def update_search_space(self, search_space: dict[str, Any]) -> None:
        raise NotImplementedError("Tuner: update_search_space not implemented")

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Results of earlier trials (``{"parameter": ..., "value": ...}`` each), e.g. on resume. Ignored by default."""

    def _on_exit(self) -> None:
        pass

    def _on_error(self) -> None:
        pass

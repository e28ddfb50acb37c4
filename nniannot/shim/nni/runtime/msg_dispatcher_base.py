"""``nni.runtime.msg_dispatcher_base.MsgDispatcherBase``: the base class of an NNI advisor.

nni-annot calls ``handle_initialize(search_space)`` once, ``handle_request_trial_jobs(n)`` when it can run
``n`` more trials, ``handle_report_metric_data(data)`` for every intermediate and final result
(``data``: ``parameter_id``, ``trial_job_id``, ``type`` PERIODICAL or FINAL, ``sequence``, ``value`` as JSON
text) and ``handle_trial_end(data)`` (``trial_job_id``, ``event`` such as SUCCEEDED or FAILED,
``hyper_params`` as JSON text). The advisor answers with ``self.send(CommandType.NewTrialJob, nni.dump(
{"parameter_id": ..., "parameters": {...}}))``, ``NoMoreTrialJobs`` or ``KillTrialJob``.
"""

from __future__ import annotations

from typing import Any

from nni.recoverable import Recoverable  # type: ignore[import-not-found]
from nni.runtime import protocol  # type: ignore[import-not-found]


class MsgDispatcherBase(Recoverable):
    """Override the ``handle_*`` methods; send commands with :meth:`send`."""

    def __init__(self, command_channel_url: str | None = None) -> None:
        super().__init__()
        self.stopping = False

    def send(self, command: Any, data: str) -> None:
        protocol.send(command, data)

    def report_error(self, error: str) -> None:
        self.send(protocol.CommandType.Error, error)

    def process_command(self, command: Any, data: Any) -> None:
        """Call the handler of ``command`` with ``data``."""
        handlers = {
            protocol.CommandType.Initialize: self.handle_initialize,
            protocol.CommandType.RequestTrialJobs: self.handle_request_trial_jobs,
            protocol.CommandType.UpdateSearchSpace: self.handle_update_search_space,
            protocol.CommandType.ImportData: self.handle_import_data,
            protocol.CommandType.AddCustomizedTrialJob: self.handle_add_customized_trial,
            protocol.CommandType.ReportMetricData: self.handle_report_metric_data,
            protocol.CommandType.TrialEnd: self.handle_trial_end,
            protocol.CommandType.Ping: self.handle_ping,
        }
        if command not in handlers:
            raise AssertionError(f"Unsupported command: {command}")
        handlers[command](data)

    def handle_ping(self, data: Any) -> None:
        pass

    def handle_initialize(self, data: Any) -> None:
        raise NotImplementedError("handle_initialize not implemented")

    def handle_request_trial_jobs(self, data: Any) -> None:
        raise NotImplementedError("handle_request_trial_jobs not implemented")

    def handle_update_search_space(self, data: Any) -> None:
        raise NotImplementedError("handle_update_search_space not implemented")

    def handle_import_data(self, data: Any) -> None:
        raise NotImplementedError("handle_import_data not implemented")

    def handle_add_customized_trial(self, data: Any) -> None:
        raise NotImplementedError("handle_add_customized_trial not implemented")

    def handle_report_metric_data(self, data: Any) -> None:
        raise NotImplementedError("handle_report_metric_data not implemented")

    def handle_trial_end(self, data: Any) -> None:
        raise NotImplementedError("handle_trial_end not implemented")

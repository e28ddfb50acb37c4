"""``nni.runtime.protocol``: the commands between the experiment and an advisor, and ``send``.

Commands an advisor receives are calls of its ``handle_*`` methods; what it sends (``NewTrialJob``,
``NoMoreTrialJobs``, ``KillTrialJob``, ...) goes to the nni-annot runner that loaded it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

__all__ = ["CommandType", "send"]


class CommandType(Enum):
    # to the advisor
    Initialize = b"IN"
    RequestTrialJobs = b"GE"
    ReportMetricData = b"ME"
    UpdateSearchSpace = b"SS"
    ImportData = b"FD"
    AddCustomizedTrialJob = b"AD"
    TrialEnd = b"EN"
    Terminate = b"TE"
    Ping = b"PI"
    # from the advisor
    Initialized = b"ID"
    NewTrialJob = b"TR"
    SendTrialJobParameter = b"SP"
    NoMoreTrialJobs = b"NO"
    KillTrialJob = b"KI"
    Error = b"ER"


# Set by the runner that loaded the advisor: called with (command, data) for every command sent.
_outbox: Callable[[CommandType, str], None] | None = None


def send(command: CommandType, data: str) -> None:
    """Send ``command`` with its JSON text ``data`` to the runner."""
    if _outbox is None:
        raise RuntimeError("nni.runtime.protocol.send: no nni-annot experiment is listening")
    _outbox(command, data)

"""The values of a trial's fields as every reader shows them, and why a trial failed.

``show``, ``show --json``, exports and the viewer's API all take a trial's values from :func:`trial_fields`
and pick the keys of their own (documented) shapes from it, so a value such as ``reason`` is computed once
and means the same everywhere; the trials text search (:mod:`.query`) matches the same reason. Imports only
the store's records.
"""

from __future__ import annotations

import re
from typing import Any

from nniannot.runner.store.records import SUCCEEDED, Trial

_TRACEBACK = "Traceback (most recent call last):"
# A line such as "MemoryError", "ValueError: bad lr" or "torch.cuda.OutOfMemoryError: CUDA out of memory".
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b(:.*)?$")


def trial_reason(trial: Trial) -> str | None:
    """Why ``trial`` did not succeed: the exception line of its stderr tail, else its stored message.

    None for a succeeded trial, and for one with neither an exception line nor a message.
    """
    if trial.status == SUCCEEDED:
        return None
    return exception_line(trial.stderr_tail or "") or trial.message or None


def exception_line(stderr: str) -> str | None:
    """The line naming the exception that ended a Python process, from the tail of its stderr.

    After the last traceback it is the first line that is not a frame (frames and their source lines are
    indented); without a traceback (it fell out of the tail) the last line that looks like one.
    """
    lines = [line.rstrip() for line in stderr.splitlines()]
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith(_TRACEBACK)), None)
    if start is not None:
        for line in lines[start + 1 :]:
            if line and not line[0].isspace():
                return line
    return next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line)), None)


def trial_fields(trial: Trial) -> dict[str, Any]:
    """Every public value of ``trial``, keyed by field name; each reader's shape is a choice of these keys."""
    return {
        "id": trial.id,
        "seq": trial.seq,
        "status": trial.status,
        "params": trial.params,
        "final": trial.final,
        "final_default": trial.final_default,
        "intermediate_count": trial.intermediate_count,
        "last_intermediate": trial.last_intermediate,
        "exit_code": trial.exit_code,
        "message": trial.message,
        "reason": trial_reason(trial),
        "created_at": trial.created_at,
        "started_at": trial.started_at,
        "ended_at": trial.ended_at,
        "duration": trial.duration,
        "revision": trial.revision,
        "dir": trial.dir,
        "command": trial.command,
        "stderr_tail": trial.stderr_tail,
    }


def pick(fields: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The entries of ``fields`` named by ``keys``, in that order."""
    return {key: fields[key] for key in keys}

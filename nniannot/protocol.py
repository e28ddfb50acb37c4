"""NNI's local trial protocol: environment, ``parameter.cfg`` in, framed ``.nni/metrics`` out.

Both sides use this module: the trial writes with :func:`encode_metric`; the runner reads with
:class:`MetricReader`, which survives garbage in the file (it reports it and resynchronises) and partial
records (it waits for the rest). Standard library only.
"""

from __future__ import annotations

import json
import math
import os
from collections import namedtuple

from nniannot.errors import ProtocolError

TYPE_CHECKING = False  # trials import this module: keep `typing` and `dataclasses` off their start-up
if TYPE_CHECKING:
    from typing import Any

ENV_PLATFORM = "NNI_PLATFORM"
ENV_EXP_ID = "NNI_EXP_ID"
ENV_TRIAL_ID = "NNI_TRIAL_JOB_ID"
ENV_SYS_DIR = "NNI_SYS_DIR"
ENV_OUTPUT_DIR = "NNI_OUTPUT_DIR"
ENV_SEQ_ID = "NNI_TRIAL_SEQ_ID"

PARAMETER_FILE = "parameter.cfg"
METRICS_FILE = os.path.join(".nni", "metrics")
_MAGIC = b"ME"
_HEADER = 8  # b"ME" + 6 digits
MAX_PAYLOAD = 999_999


def trial_environment(
    exp_id: str, trial_id: str, sys_dir: str, seq_id: int, output_dir: str | None = None
) -> dict[str, str]:
    """The variables a trial process is started with (merge them into ``os.environ``)."""
    return {
        ENV_PLATFORM: "local",
        ENV_EXP_ID: exp_id,
        ENV_TRIAL_ID: trial_id,
        ENV_SYS_DIR: sys_dir,
        ENV_OUTPUT_DIR: output_dir or sys_dir,
        ENV_SEQ_ID: str(seq_id),
    }


def write_parameter_file(
    sys_dir: str, parameters: dict[str, Any], parameter_id: int = 0, index: int = 0
) -> str:
    """Write ``parameter.cfg`` as NNI does and return its path."""
    path = os.path.join(sys_dir, PARAMETER_FILE)
    record = {
        "parameter_id": parameter_id,
        "parameter_source": "algorithm",
        "parameters": parameters,
        "parameter_index": index,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f)
    return path


def read_parameter_file(sys_dir: str) -> dict[str, Any]:
    """Read ``parameter.cfg``; raises ProtocolError if it is missing or not NNI's shape."""
    path = os.path.join(sys_dir, PARAMETER_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except OSError as exc:
        raise ProtocolError(f"cannot read trial parameters {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ProtocolError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(record, dict) or not isinstance(record.get("parameters"), dict):
        raise ProtocolError(f"{path} must hold an object with a `parameters` object")
    return record


def encode_metric(value: Any, *, kind: str, sequence: int, parameter_id: Any, trial_id: str) -> bytes:
    """Frame one metric record: ``ME`` + 6-digit byte length + JSON payload + newline.

    ``kind`` is ``"PERIODICAL"`` (intermediate) or ``"FINAL"``. The metric itself is JSON-encoded into the
    payload's ``value`` string, as NNI does.
    """
    payload = {
        "parameter_id": parameter_id,
        "trial_job_id": trial_id,
        "type": kind,
        "sequence": sequence,
        "value": json.dumps(value),
    }
    data = (json.dumps(payload) + "\n").encode("utf-8")
    if len(data) > MAX_PAYLOAD:
        raise ProtocolError(f"metric too large to report ({len(data)} bytes; the limit is {MAX_PAYLOAD})")
    return b"%s%06d%s" % (_MAGIC, len(data), data)


class MetricRecord(
    namedtuple("MetricRecord", ["kind", "sequence", "value", "parameter_id"], defaults=(None,))
):
    """One decoded metric: ``kind`` is PERIODICAL or FINAL; ``value`` is the trial's metric as reported."""

    __slots__ = ()
    kind: str
    sequence: int
    value: Any
    parameter_id: Any


class Metric(namedtuple("Metric", ["default", "whole"])):
    """A metric checked for ranking: ``default`` is the number tuners use; ``whole`` is what was reported."""

    __slots__ = ()
    default: float
    whole: Any


def check_metric(value: Any) -> Metric:
    """Validate a reported metric: a finite number, or a dict with a finite numeric ``default``.

    Raises ProtocolError saying what was wrong (NaN, infinity, a string, a dict without ``default``).
    """
    number = value.get("default") if isinstance(value, dict) else value
    if isinstance(value, dict) and "default" not in value:
        raise ProtocolError(f"a dict metric needs a numeric 'default' entry, got keys {sorted(value)}")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise ProtocolError(f"a metric must be a number or a dict with a numeric 'default', got {value!r}")
    if not math.isfinite(number):
        raise ProtocolError(f"a metric must be finite, got {number!r}")
    return Metric(float(number), value)


class MetricReader:
    """Incrementally decodes a metrics file that a trial is still appending to.

    Call :meth:`poll` whenever the file may have grown; it returns the complete records since the last call
    and the problems met (as strings). Garbage is skipped up to the next ``ME`` marker; a record whose
    length header promises more bytes than are there yet is left for the next call.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._offset = 0
        self._buffer = b""

    def poll(self) -> tuple[list[MetricRecord], list[str]]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            return [], [f"cannot read {self.path}: {exc.strerror}"]
        self._offset += len(chunk)
        self._buffer += chunk
        return self._drain()

    def _drain(self) -> tuple[list[MetricRecord], list[str]]:
        records: list[MetricRecord] = []
        problems: list[str] = []
        buf = self._buffer
        while buf:
            start = buf.find(_MAGIC)
            if start != 0:
                cut = len(buf) if start < 0 else start
                if start < 0 and buf.endswith(b"M"):
                    cut -= 1  # maybe the first byte of the next marker
                if cut:
                    problems.append(f"skipped {cut} byte(s) of garbage in {self.path}: {buf[:40]!r}")
                    buf = buf[cut:]
                    continue
                break
            if len(buf) < _HEADER:
                break
            digits = buf[2:_HEADER]
            if not digits.isdigit():
                problems.append(f"bad record header in {self.path}: {buf[:_HEADER]!r}")
                buf = buf[2:]
                continue
            size = int(digits)
            if len(buf) < _HEADER + size:
                break
            payload, buf = buf[_HEADER : _HEADER + size], buf[_HEADER + size :]
            try:
                records.append(_decode(payload))
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"unreadable metric record in {self.path}: {exc}")
        self._buffer = buf
        return records, problems


def _decode(payload: bytes) -> MetricRecord:
    record = json.loads(payload.decode("utf-8"))
    kind = record["type"]
    if kind not in ("PERIODICAL", "FINAL"):
        raise ValueError(f"unknown record type {kind!r}")
    value = record["value"]
    if isinstance(value, str):
        value = json.loads(value)
    return MetricRecord(kind, int(record.get("sequence", 0)), value, record.get("parameter_id"))

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

from nniannot.errors import MetricError, ProtocolError

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
    payload's ``value`` string, as NNI does. Raises MetricError if ``value`` is not a metric (see
    :func:`check_reportable`) and ProtocolError if the record would exceed :data:`MAX_PAYLOAD` bytes.
    """
    check_reportable(value)
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


# Bounds on what one metric may hold, so that storing, showing and exporting it stays cheap and safe.
MAX_METRIC_KEYS = 1000  # entries of a dict metric (each one is a column in the viewer)
MAX_METRIC_VALUES = 10_000  # values in all, nested ones included
MAX_METRIC_DEPTH = 16  # levels of nested lists and dicts
_FLOAT_MAX_INT = (2**53 - 1) * 2**971  # the largest float, as an int
_ACCEPTED = "a number, or a dict with a numeric 'default' entry"


def check_reportable(value: Any) -> None:
    """Raise MetricError unless ``value`` is a metric a trial may report.

    Accepted: an int or float (not a bool) that fits in a float, NaN and infinities included; or a dict with
    such a number as ``default`` whose other entries are JSON data (string keys) within
    :data:`MAX_METRIC_KEYS`, :data:`MAX_METRIC_VALUES` and :data:`MAX_METRIC_DEPTH`. The message names the
    rule and what was given instead.
    """
    problem = _metric_problem(value)
    if problem is not None:
        raise MetricError(problem)


def check_metric(value: Any) -> Metric:
    """Validate a reported metric for ranking: what :func:`check_reportable` accepts, and finite.

    Whatever ``value`` is (any decoded JSON value, any Python object), this returns a Metric or raises
    MetricError (a ProtocolError) saying what was wrong; it raises nothing else. A NaN or infinite metric
    is no usable result: the trial reported it, but no trial can be ranked by it.
    """
    check_reportable(value)
    default = float(value["default"] if isinstance(value, dict) else value)
    if not math.isfinite(default):
        raise MetricError(
            f"a metric must be finite to rank a trial by it, but got {default!r} "
            "(a NaN or infinite result counts as no usable result)"
        )
    return Metric(default, value)


def _metric_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return _number_problem(value, f"a metric must be {_ACCEPTED}")
    if "default" not in value:
        keys = ", ".join(_short(k) for k in list(value)[:5]) + (", ..." if len(value) > 5 else "")
        return (
            "a dict metric needs a numeric 'default' entry (trials are ranked by it), "
            f"but got a dict with keys {keys or '(none)'}"
        )
    problem = _number_problem(value["default"], "the 'default' entry of a dict metric must be a number")
    if problem is not None:
        return problem
    if len(value) > MAX_METRIC_KEYS:
        return f"a dict metric may have at most {MAX_METRIC_KEYS} entries, but got {len(value)}"
    return _data_problem(value)


def _number_problem(value: Any, rule: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{rule}, but got {_describe(value)}"
    if isinstance(value, int) and abs(value) > _FLOAT_MAX_INT:
        return f"{rule} that fits in a float (up to about 1.8e308), but got an int of {_digits(value)} digits"
    return None


def _data_problem(value: Any) -> str | None:
    """What makes ``value`` more than bounded JSON data, walked without recursion (it may nest deeply)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count + len(stack) > MAX_METRIC_VALUES:
            return (
                f"a dict metric may hold at most {MAX_METRIC_VALUES} values in all, but this one holds more"
            )
        if isinstance(item, (dict, list, tuple)):
            if depth > MAX_METRIC_DEPTH:
                return f"a dict metric may nest at most {MAX_METRIC_DEPTH} levels deep, but this one nests deeper"
            if isinstance(item, dict):
                bad = next((k for k in item if not isinstance(k, str)), None)
                if bad is not None:
                    return f"the keys of a dict metric must be strings, but got {_describe(bad)}"
            stack.extend((entry, depth + 1) for entry in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > _FLOAT_MAX_INT:
            return f"the numbers in a dict metric must fit in a float, but one is an int of {_digits(item)} digits"
        elif not (item is None or isinstance(item, (str, int, float))):
            return (
                "a dict metric may hold only JSON data (numbers, strings, booleans, None, lists, dicts), "
                f"but got {_describe(item)}"
            )
    return None


def _digits(number: int) -> int:
    return int(abs(number).bit_length() * 0.30103) + 1  # str() refuses ints of more than 4300 digits


def _describe(value: Any) -> str:
    return "None" if value is None else f"{type(value).__name__} ({_short(value)})"


def _short(value: Any) -> str:
    """A bounded repr: values here come from hostile files and user objects."""
    import reprlib  # only on the error path: trials import this module

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother, short.maxlong = 3, 60, 60, 40
    try:
        return short.repr(value)
    except Exception:  # a user object's __repr__ may raise anything; the type name is still worth showing
        return f"<{type(value).__name__}>"


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

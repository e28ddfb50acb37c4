"""NNI's local trial protocol: environment, ``parameter.cfg`` in, framed ``.nni/metrics`` out.

Both sides use this module: the trial writes with :func:`encode_metric`; the runner reads with
:class:`MetricReader`, which never raises whatever the file holds (it reports what it skips and
resynchronises at the next possible record), waits for partial records while the trial runs, and reports
the one left incomplete when it ends. :func:`check_metric` says whether a value can rank a trial.
Standard library only.
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
# Set (to the objectives' keys, comma-separated) when the experiment declares objectives: a dict metric then
# needs no 'default' entry in the trial; the runner checks the objectives' keys.
ENV_OBJECTIVES = "NNIANNOT_OBJECTIVES"

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


def encode_metric(
    value: Any,
    *,
    kind: str,
    sequence: int,
    parameter_id: Any,
    trial_id: str,
    ranked_by: tuple[str, ...] | None = ("default",),
) -> bytes:
    """Frame one metric record: ``ME`` + 6-digit byte length + JSON payload + newline.

    ``kind`` is ``"PERIODICAL"`` (intermediate) or ``"FINAL"``. The metric itself is JSON-encoded into the
    payload's ``value`` string, as NNI does. Raises MetricError if ``value`` is not a metric (see
    :func:`check_reportable`) and ProtocolError if the record would exceed :data:`MAX_PAYLOAD` bytes.
    """
    check_reportable(value, ranked_by)
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


def check_reportable(value: Any, ranked_by: tuple[str, ...] | None = ("default",)) -> None:
    """Raise MetricError unless ``value`` is a metric a trial may report.

    Accepted: an int or float (not a bool) that fits in a float, NaN and infinities included; or a dict with
    such a number as ``default`` whose other entries are JSON data (string keys) within
    :data:`MAX_METRIC_KEYS`, :data:`MAX_METRIC_VALUES` and :data:`MAX_METRIC_DEPTH`. The message names the
    rule and what was given instead.

    ``ranked_by``: the keys of which a dict needs one, as a number (the first present ranks the trial);
    None: none (an experiment with declared objectives checks their keys itself).
    """
    problem = _metric_problem(value, ranked_by)
    if problem is not None:
        raise MetricError(problem)


def check_metric(value: Any, ranked_by: tuple[str, ...] = ("default",)) -> Metric:
    """Validate a reported metric for ranking: what :func:`check_reportable` accepts, and finite.

    Whatever ``value`` is (any decoded JSON value, any Python object), this returns a Metric or raises
    MetricError (a ProtocolError) saying what was wrong; it raises nothing else. A NaN or infinite metric
    is no usable result: the trial reported it, but no trial can be ranked by it. ``default`` is the first
    entry of a dict among ``ranked_by`` (an experiment with objectives ranks by the first one's key).
    """
    check_reportable(value, ranked_by)
    key = next((k for k in ranked_by if k in value), "default") if isinstance(value, dict) else None
    default = float(value[key] if key is not None else value)
    if not math.isfinite(default):
        raise MetricError(
            f"a metric must be finite to rank a trial by it, but got {default!r} "
            "(a NaN or infinite result counts as no usable result)"
        )
    return Metric(default, value)


def _metric_problem(value: Any, ranked_by: tuple[str, ...] | None) -> str | None:
    if not isinstance(value, dict):
        return _number_problem(value, f"a metric must be {_ACCEPTED}")
    key = next((k for k in ranked_by if k in value), None) if ranked_by is not None else None
    if ranked_by is not None and key is None:
        keys = ", ".join(_short(k) for k in list(value)[:5]) + (", ..." if len(value) > 5 else "")
        wanted = " or ".join(repr(k) for k in ranked_by)
        entry = "a numeric 'default' entry" if ranked_by == ("default",) else f"a numeric {wanted} entry"
        return (
            f"a dict metric needs {entry} (trials are ranked by it), "
            f"but got a dict with keys {keys or '(none)'}"
        )
    if key is None and "default" in value:
        key = "default"
    if key is not None:
        problem = _number_problem(value[key], f"the {key!r} entry of a dict metric must be a number")
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


_KINDS = ("PERIODICAL", "FINAL")
_MAX_SEQUENCE = 2**31 - 1
_READ_CHUNK = 1 << 20
_READ_PER_POLL = 4 << 20  # bounds the work of one poll; the rest waits for the next one
_FINISH_ROUNDS = 16  # finish() reads at most this many polls' worth
MAX_PROBLEMS = 20  # problems one reader reports; after that it says that it stopped listing them


class MetricReader:
    """Incrementally decodes a metrics file that a trial is still appending to. It never raises.

    :meth:`poll` returns the complete records since the last call and the problems met (as strings, for
    the trial's warnings). A record is ``ME``, six digits, then a one-line payload of that many bytes that
    starts with ``{``. Anything else is garbage: the reader skips to the next place where such a record
    can start, so a lying header (wrong length, cut short by a newline) costs only itself. A record whose
    payload is not NNI's JSON object is reported and skipped. A record repeating an earlier one (a second
    FINAL, or an intermediate sequence number seen before) is reported and dropped: the first counts.
    A record not complete yet is left for the next call; :meth:`finish` (after the trial ended) reports
    such a trailing record instead, and reads on past its header.
    """

    def __init__(self, path: str) -> None:
        import re  # the runner's side only: a trial never reads metrics

        self.path = path
        self._header = re.compile(rb"ME([0-9]{6})\{")
        self._partial = re.compile(rb"M(?:E[0-9]{0,6})?\Z")  # a header cut short by the end of the data
        self._offset = 0  # bytes read from the file
        self._base = 0  # file offset of the buffer's first byte
        self._buffer = b""
        self._seen: set[tuple[str, int]] = set()
        self._problem_count = 0
        self._junk: list[Any] | None = None  # the garbage run being skipped: [file offset, size, first bytes]
        self._done = False

    def poll(self) -> tuple[list[MetricRecord], list[str]]:
        """Read what the trial appended since the last call: the complete records and the problems met."""
        records: list[MetricRecord] = []
        problems: list[str] = []
        if not self._done:
            self._read(records, problems)
            self._flush(problems)
        return records, self._capped(problems)

    def finish(self) -> tuple[list[MetricRecord], list[str]]:
        """Read the rest once the trial has ended; an incomplete trailing record is reported as a problem.

        After this the reader is spent: later calls return nothing.
        """
        records: list[MetricRecord] = []
        problems: list[str] = []
        if self._done:
            return records, problems
        for _ in range(_FINISH_ROUNDS):
            if not self._read(records, problems):
                break
        else:
            problems.append(f"stopped reading {self.path} after {self._offset} bytes: the rest is ignored")
        self._scan(records, problems, final=True)
        self._flush(problems)
        self._done, self._buffer = True, b""
        return records, self._capped(problems)

    def _read(self, records: list[MetricRecord], problems: list[str]) -> bool:
        """Read and scan up to one poll's worth; True if it stopped at that bound, not at the end of file."""
        budget = _READ_PER_POLL
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                while budget > 0:
                    chunk = f.read(min(_READ_CHUNK, budget))
                    if not chunk:
                        return False
                    self._offset += len(chunk)
                    budget -= len(chunk)
                    self._buffer += chunk
                    self._scan(records, problems, final=False)
        except FileNotFoundError:
            return False
        except OSError as exc:
            problems.append(f"cannot read {self.path}: {exc.strerror or exc}")
            return False
        return True

    def _scan(self, records: list[MetricRecord], problems: list[str], final: bool) -> None:
        """Take every complete record out of the buffer; keep a record (or header) still arriving."""
        buf, pos, junk = self._buffer, 0, 0  # junk: where the bytes now being skipped began
        newline = -1  # the first newline at or after the current payload (cached: scanning stays linear)
        quiet = False  # in a final scan, what follows an incomplete record lies inside it
        while True:
            match = self._header.search(buf, pos)
            if match is None:
                pos = self._tail(buf, pos)
                break
            start, size = match.start(), int(match.group(1))
            body, end = start + _HEADER, start + _HEADER + size
            if newline < body:
                newline = buf.find(b"\n", body)
                newline = len(buf) if newline < 0 else newline
            if size < 2 or newline < min(end - 1, len(buf)):
                pos = start + 1  # not a record: a payload is one line of at least "{}"
                continue
            if end > len(buf) and not final:
                pos = start
                break
            if not quiet:
                self._skip(buf, junk, start, problems)
            if end > len(buf):
                if not quiet:
                    self._flush(problems)
                    problems.append(self._incomplete(start, size, len(buf) - body))
                quiet, pos = True, start + 1
                continue
            pos = self._take(buf, start, end, records, problems)
            junk = pos
        if not quiet:
            self._skip(buf, junk, pos, problems)
            if final and pos < len(buf):
                self._flush(problems)
                problems.append(
                    f"the trial ended inside a metric record header at byte {self._base + pos} of {self.path}"
                )
        if final:
            pos = len(buf)
        self._base += pos
        self._buffer = buf[pos:]

    def _tail(self, buf: bytes, pos: int) -> int:
        """Where a header that may still be arriving begins at the end of ``buf`` (``len(buf)`` if none)."""
        match = self._partial.search(buf, max(pos, len(buf) - _HEADER))
        return match.start() if match else len(buf)

    def _take(
        self, buf: bytes, start: int, end: int, records: list[MetricRecord], problems: list[str]
    ) -> int:
        """Decode the framed record ``buf[start:end]``; return where scanning goes on."""
        self._flush(problems)
        try:
            record = _decode(buf[start + _HEADER : end])
        except ValueError as exc:
            problems.append(f"unreadable metric record at byte {self._base + start} of {self.path}: {exc}")
            inner = self._header.search(buf, start + 1, end)  # a lying header may have swallowed a record
            return inner.start() if inner else end
        key = (record.kind, 0 if record.kind == "FINAL" else record.sequence)
        if key in self._seen:
            what = (
                "a second final result"
                if record.kind == "FINAL"
                else f"intermediate result #{record.sequence} again"
            )
            problems.append(f"{what} at byte {self._base + start} of {self.path}: ignored, the first counts")
        else:
            self._seen.add(key)
            records.append(record)
        return end

    def _skip(self, buf: bytes, start: int, end: int, problems: list[str]) -> None:
        """Note ``buf[start:end]`` as garbage; a run that goes on where the last one ended is one problem."""
        if end <= start:
            return
        at = self._base + start
        if self._junk is not None and self._junk[0] + self._junk[1] == at:
            self._junk[1] += end - start
            return
        self._flush(problems)
        self._junk = [at, end - start, buf[start : start + 40]]

    def _flush(self, problems: list[str]) -> None:
        if self._junk is not None:
            at, size, head = self._junk
            problems.append(f"skipped {size} byte(s) of garbage at byte {at} of {self.path}: {head!r}")
            self._junk = None

    def _incomplete(self, start: int, size: int, got: int) -> str:
        return (
            f"the trial ended inside a metric record at byte {self._base + start} of {self.path}: its header "
            f"promises {size} bytes but only {got} came"
        )

    def _capped(self, problems: list[str]) -> list[str]:
        """At most MAX_PROBLEMS problems over the reader's life, then one line saying the rest are not listed."""
        room = MAX_PROBLEMS - self._problem_count
        self._problem_count += len(problems)
        if len(problems) <= room:
            return problems
        shown = problems[: max(room, 0)]
        if room >= 0:
            shown.append(f"more problems reading {self.path}: not listed")
        return shown


def _decode(payload: bytes) -> MetricRecord:
    """One record's payload as a MetricRecord; ValueError saying what is wrong with it."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    record = _loads(text, "its payload")
    if not isinstance(record, dict):
        raise ValueError(f"its payload must be a JSON object, but is {_describe(record)}")
    kind = record.get("type")
    if not isinstance(kind, str) or kind not in _KINDS:
        raise ValueError(f"`type` must be PERIODICAL or FINAL, but got {_describe(kind)}")
    sequence = record.get("sequence", 0)
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= _MAX_SEQUENCE:
        raise ValueError(
            f"`sequence` must be an integer from 0 to {_MAX_SEQUENCE}, but got {_describe(sequence)}"
        )
    if "value" not in record:
        raise ValueError("it has no `value`")
    value = record["value"]
    if isinstance(value, str):  # NNI's double encoding; a writer that sent the metric itself is read as is
        value = _loads(value, "its `value`")
    return MetricRecord(kind, sequence, value, record.get("parameter_id"))


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} nests too deeply to read") from None
    except ValueError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc})") from None

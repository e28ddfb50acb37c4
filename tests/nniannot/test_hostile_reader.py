"""MetricReader against whatever a metrics file may hold: it reads every record it can and never raises."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot import protocol
from nniannot.runner.backends.base import FINISHED, METRIC, TrialEvent, TrialSpec
from nniannot.runner.backends.local import LocalBackend


def _record(value: object, kind: str = "PERIODICAL", sequence: int = 0) -> bytes:
    return protocol.encode_metric(value, kind=kind, sequence=sequence, parameter_id=0, trial_id="t")


def _framed(payload: bytes) -> bytes:
    return b"ME%06d" % len(payload) + payload


BEFORE, AFTER = _record(0.25), _record(0.5, "FINAL")


def _read_all(path: Path) -> tuple[list[protocol.MetricRecord], list[str]]:
    reader = protocol.MetricReader(str(path))
    records, problems = reader.poll()
    more, last = reader.finish()
    return records + more, problems + last


HOSTILE = {
    "nested 100,000 deep": (_framed(b'{"a": ' * 100_000 + b"\n"), "nests too deeply"),
    "value nested 100,000 deep": (
        _framed(b'{"type": "FINAL", "value": "' + b"[" * 100_000 + b'"}\n'),
        "`value` nests too deeply",
    ),
    "huge payload": (_framed(b'{"type": "FINAL", "value": "' + b"1" * 900_000 + b'"}\n'), "not valid JSON"),
    "bad magic": (b"XX000010{abc}\n", "garbage"),
    "non-digit length": (b"ME12ab56{}\n", "garbage"),
    "length cut by a newline": (b"ME000500{x\n", "garbage"),
    "zero length": (b"ME000000{}\n", "garbage"),
    "garbage bytes": (bytes(range(256)), "garbage"),
    "invalid UTF-8": (_framed(b'{"type": "FINAL", "value": "\xff\xfe"}\n'), "not UTF-8"),
    "payload a list": (_framed(b"[1, 2]\n"), "garbage"),
    "payload an object of garbage": (_framed(b"{not json}\n"), "not valid JSON"),
    "unknown type": (_framed(b'{"type": "SOMETIMES", "value": "1"}\n'), "`type` must be PERIODICAL or FINAL"),
    "type a list": (_framed(b'{"type": [], "value": "1"}\n'), "`type` must be PERIODICAL or FINAL"),
    "infinite sequence": (
        _framed(b'{"type": "PERIODICAL", "sequence": 1e999, "value": "1"}\n'),
        "`sequence`",
    ),
    "huge sequence": (
        _framed(b'{"type": "PERIODICAL", "sequence": ' + b"9" * 400 + b', "value": "1"}\n'),
        "`sequence`",
    ),
    "no value": (_framed(b'{"type": "PERIODICAL", "sequence": 3}\n'), "no `value`"),
    "value not JSON": (
        _framed(b'{"type": "PERIODICAL", "sequence": 3, "value": "nope"}\n'),
        "`value` is not valid JSON",
    ),
    "value an int too long to read": (
        _framed(b'{"type": "PERIODICAL", "sequence": 3, "value": "' + b"7" * 5000 + b'"}\n'),
        "`value` is not valid JSON",
    ),
    "a header inside garbage": (b"ME000050{" + b"x" * 10, "unreadable"),
}


@pytest.mark.parametrize("content", list(HOSTILE.values()), ids=list(HOSTILE))
def test_records_around_hostile_bytes_are_read_and_the_bytes_reported(tmp_path: Path, content) -> None:
    hostile, says = content
    path = tmp_path / "metrics"
    path.write_bytes(BEFORE + hostile + AFTER)
    records, problems = _read_all(path)
    assert [(r.kind, r.value) for r in records] == [("PERIODICAL", 0.25), ("FINAL", 0.5)]
    assert any(says in p for p in problems), problems


def test_a_value_that_is_not_a_string_is_the_metric_itself(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(_framed(b'{"type": "FINAL", "sequence": 0, "value": {"default": 2}}\n'))
    records, problems = _read_all(path)
    assert [r.value for r in records] == [{"default": 2}] and problems == []


def test_duplicate_records_are_reported_and_the_first_counts(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(
        _record(1.0) + _record(2.0) + _record(3.0, sequence=1) + _record(4.0, "FINAL") + _record(5.0, "FINAL")
    )
    records, problems = _read_all(path)
    assert [r.value for r in records] == [1.0, 3.0, 4.0]
    assert len(problems) == 2
    assert "intermediate result #0 again" in problems[0] and "a second final result" in problems[1]


def test_an_incomplete_trailing_record_waits_then_is_reported_when_the_trial_ends(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(BEFORE + AFTER[:30])
    reader = protocol.MetricReader(str(path))
    records, problems = reader.poll()
    assert [r.value for r in records] == [0.25] and problems == []  # it may still arrive
    records, problems = reader.finish()
    assert records == [] and len(problems) == 1
    assert "the trial ended inside a metric record at byte 103" in problems[0]
    assert f"promises {len(AFTER) - 8} bytes but only 22 came" in problems[0]
    assert reader.poll() == ([], []) and reader.finish() == ([], [])


def test_a_lying_length_at_the_end_does_not_hide_the_records_after_it(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(BEFORE + b"ME999999{" + _framed(AFTER[8:-1]))  # no newline ends the lie
    reader = protocol.MetricReader(str(path))
    assert [r.value for r in reader.poll()[0]] == [0.25]
    records, problems = reader.finish()
    assert [r.value for r in records] == [0.5]
    assert "promises 999999 bytes" in problems[0]


def test_a_header_cut_short_at_the_end_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(BEFORE + b"ME00")
    reader = protocol.MetricReader(str(path))
    assert reader.poll()[1] == []
    assert "ended inside a metric record header at byte 103" in reader.finish()[1][0]


def test_problems_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(_framed(b"{}\n") * 1000 + AFTER)
    records, problems = _read_all(path)
    assert [r.value for r in records] == [0.5]
    assert len(problems) == protocol.MAX_PROBLEMS + 1 and "not listed" in problems[-1]


def test_a_file_that_is_only_garbage_is_read_in_bounded_steps(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    path.write_bytes(b"ME" * 6_000_000)  # 12 MB of near-headers
    reader = protocol.MetricReader(str(path))
    records, problems = reader.poll()
    assert records == [] and len(problems) == 1 and "garbage" in problems[0]
    records, problems = reader.finish()
    assert records == [] and problems and "garbage" in problems[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=5),
    st.binary(max_size=300),
    st.integers(min_value=1, max_value=50),
)
def test_arbitrary_bytes_appended_never_make_the_reader_raise(
    values: list, garbage: bytes, step: int
) -> None:
    data = b"".join(_record(v, sequence=i) for i, v in enumerate(values)) + garbage
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics"
        reader = protocol.MetricReader(str(path))
        records: list[protocol.MetricRecord] = []
        for cut in range(0, len(data), step):  # the trial writes in pieces; the reader polls in between
            with open(path, "ab") as f:
                f.write(data[cut : cut + step])
            records += reader.poll()[0]
        records += reader.finish()[0]
    assert [r.value for r in records[: len(values)]] == values


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_files_never_make_the_reader_raise(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics"
        path.write_bytes(content)
        records, problems = _read_all(path)
    assert all(isinstance(p, str) for p in problems)
    assert all(r.kind in ("PERIODICAL", "FINAL") for r in records)


WRITER = """
import os, sys
path = os.path.join(os.environ["NNI_SYS_DIR"], ".nni", "metrics")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "ab") as f:
    f.write(bytes.fromhex(sys.argv[1]))
"""


def _trial_events(tmp_path: Path, content: bytes) -> list[TrialEvent]:
    code = [sys.executable, "-c", WRITER, content.hex()]
    spec = TrialSpec("EXP", "t1", 0, code, str(tmp_path), str(tmp_path / "t1"), {}, {}, 0)
    events: list[TrialEvent] = []
    with LocalBackend() as backend:
        backend.submit(spec)
        deadline = time.monotonic() + 120  # a safety net for a loaded machine, not a measurement
        while not any(e.kind == FINISHED for e in events):
            assert time.monotonic() < deadline, events
            events += backend.events(0.1)
    return events


def test_the_local_backend_survives_a_record_nested_100000_deep(tmp_path: Path) -> None:
    events = _trial_events(tmp_path, BEFORE + HOSTILE["nested 100,000 deep"][0] + AFTER)
    metrics = [e.record.value for e in events if e.kind == METRIC and e.record is not None]
    problems = [p for e in events for p in e.problems]
    assert metrics == [0.25, 0.5] and any("nests too deeply" in p for p in problems)
    assert events[-1].kind == FINISHED and events[-1].exit_code == 0


def test_the_local_backend_reports_a_record_cut_short_by_the_trial_s_end(tmp_path: Path) -> None:
    events = _trial_events(tmp_path, BEFORE + AFTER[:30])
    metrics = [e.record.value for e in events if e.kind == METRIC and e.record is not None]
    problems = [p for e in events for p in e.problems]
    assert metrics == [0.25] and any("the trial ended inside a metric record" in p for p in problems)
    assert events[-1].kind == FINISHED

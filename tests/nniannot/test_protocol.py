from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nniannot import protocol
from nniannot.errors import ProtocolError


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def test_record_framing_is_nni_s() -> None:
    data = protocol.encode_metric(0.5, kind="FINAL", sequence=0, parameter_id=3, trial_id="abc")
    assert data[:2] == b"ME"
    size = int(data[2:8])
    payload = data[8:]
    assert len(payload) == size and payload.endswith(b"\n")
    record = json.loads(payload)
    assert record == {
        "parameter_id": 3,
        "trial_job_id": "abc",
        "type": "FINAL",
        "sequence": 0,
        "value": "0.5",
    }


def test_reader_waits_for_partial_records_and_skips_garbage(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    reader = protocol.MetricReader(str(path))
    assert reader.poll() == ([], [])  # no file yet
    first = protocol.encode_metric(
        {"default": 0.1, "loss": 2}, kind="PERIODICAL", sequence=0, parameter_id=0, trial_id="t"
    )
    second = protocol.encode_metric(0.9, kind="FINAL", sequence=0, parameter_id=0, trial_id="t")
    _append(path, first[:10])
    assert reader.poll() == ([], [])
    _append(path, first[10:] + b"garbage!" + second[:5])
    records, problems = reader.poll()
    assert [r.value for r in records] == [{"default": 0.1, "loss": 2}]
    assert len(problems) == 1 and "garbage" in problems[0]
    _append(path, second[5:])
    records, problems = reader.poll()
    assert [(r.kind, r.value) for r in records] == [("FINAL", 0.9)] and problems == []


def test_reader_reports_unreadable_payload(tmp_path: Path) -> None:
    path = tmp_path / "metrics"
    _append(path, b"ME000005{bad}")
    records, problems = protocol.MetricReader(str(path)).poll()
    assert records == [] and "unreadable" in problems[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False), st.binary(max_size=20)), max_size=8))
def test_reader_recovers_every_record_between_arbitrary_garbage(items: list) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics"
        expected = []
        for i, item in enumerate(items):
            if isinstance(item, float):
                expected.append(item)
                _append(
                    path,
                    protocol.encode_metric(item, kind="PERIODICAL", sequence=i, parameter_id=0, trial_id="t"),
                )
            else:
                _append(path, item.replace(b"M", b"m"))
        path.touch()
        records, _ = protocol.MetricReader(str(path)).poll()
        assert [r.value for r in records] == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0.5", {"loss": 1}, {"default": "x"}, None, True])
def test_check_metric_rejects_what_cannot_be_ranked(bad: object) -> None:
    with pytest.raises(ProtocolError):
        protocol.check_metric(bad)


def test_check_metric_keeps_dicts_whole() -> None:
    metric = protocol.check_metric({"default": 1, "acc": 0.5})
    assert metric.default == 1.0 and metric.whole == {"default": 1, "acc": 0.5}


def test_parameter_file_round_trip_and_errors(tmp_path: Path) -> None:
    protocol.write_parameter_file(str(tmp_path), {"a": 1}, parameter_id=7)
    assert protocol.read_parameter_file(str(tmp_path))["parameters"] == {"a": 1}
    (tmp_path / "parameter.cfg").write_text("[1]")
    with pytest.raises(ProtocolError, match="parameters"):
        protocol.read_parameter_file(str(tmp_path))
    with pytest.raises(ProtocolError, match="cannot read"):
        protocol.read_parameter_file(str(tmp_path / "missing"))
